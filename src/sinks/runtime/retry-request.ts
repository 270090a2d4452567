import { AuthError, errorMessage } from '../../util/errors';
import { retry, type RetryOptions } from '../../util/retry';
import type { HealthTracker } from './health';
import type { SinkStats } from './stats';

export interface RetryRequestOptions extends RetryOptions {
  readonly stats: SinkStats;
  readonly health: HealthTracker;
  /** Failures people must fix (credentials, certificates): an error, not a warning. Default: AuthError. */
  readonly isAuth?: (err: unknown) => boolean;
}

/**
 * A sink's request through the one retry helper, with what every sink does on a retry:
 * count it, and mark the sink unhealthy with the reason (a success marks it healthy again,
 * where the sink counts the request). `onRetry` adds the sink's own logging.
 */
export function retryRequest<T>(
  op: (attempt: number) => Promise<T>,
  options: RetryRequestOptions,
): Promise<T> {
  const { stats, health, isAuth = (err: unknown) => err instanceof AuthError, onRetry, ...rest } = options;
  return retry(op, {
    ...rest,
    onRetry: (err, attempt, delayMs) => {
      stats.retried();
      health.failing(errorMessage(err), { auth: isAuth(err) });
      onRetry?.(err, attempt, delayMs);
    },
  });
}
