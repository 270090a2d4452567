import { AbortedError, AuthError, RetryableError } from './errors';

/**
 * The one retry/backoff helper. Every component that retries (the API client, every sink)
 * goes through here so that backoff, jitter, Retry-After and shutdown behave the same
 * everywhere.
 */
export interface BackoffPolicy {
  /** First delay. */
  readonly initialMs: number;
  /** Ceiling of the exponential part (a server's Retry-After may exceed it). */
  readonly maxMs: number;
  /** Growth per attempt; 2 doubles. */
  readonly multiplier?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 60_000, multiplier: 2 };

/**
 * Delay before retry number `attempt` (0-based): exponential, capped, with "equal jitter"
 * (half fixed, half random) so that many clients recovering together spread out but no
 * client retries immediately.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exp = policy.initialMs * Math.pow(policy.multiplier ?? 2, Math.min(attempt, 30));
  const capped = Math.min(policy.maxMs, exp);
  return Math.round(capped / 2 + random() * (capped / 2));
}

/** Resolves after `ms`, or rejects with AbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  readonly policy?: BackoffPolicy;
  readonly signal?: AbortSignal;
  /** Give up after this many attempts (the first call counts). Default: never give up. */
  readonly maxAttempts?: number;
  /** Which errors are worth another attempt. Default: RetryableError and AuthError. */
  readonly shouldRetry?: (err: unknown) => boolean;
  /** Told before each wait: for logs and metrics. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  readonly random?: () => number;
}

export function isRetryableByDefault(err: unknown): boolean {
  return err instanceof RetryableError || err instanceof AuthError;
}

/**
 * Runs `op` until it succeeds, a non-retryable error is thrown, attempts run out or the
 * signal aborts. A RetryableError's `retryAfterMs` is honoured as a lower bound on the
 * wait. An AuthError waits the policy's maximum: credentials are fixed by people, not by
 * hammering the server.
 */
export async function retry<T>(op: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const shouldRetry = options.shouldRetry ?? isRetryableByDefault;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw new AbortedError();
    try {
      return await op(attempt);
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      if (!shouldRetry(err) || attempt + 1 >= maxAttempts) throw err;
      let delay = err instanceof AuthError ? policy.maxMs : backoffDelay(attempt, policy, options.random);
      if (err instanceof RetryableError && err.retryAfterMs !== undefined)
        delay = Math.max(delay, err.retryAfterMs);
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}
