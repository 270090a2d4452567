/**
 * Typed errors shared by every component. Callers decide what to do by class, never by
 * parsing messages.
 */

/** A bad configuration or usage: exit code 2, nothing started. `path` names the field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}

/** Worth trying again later (network fault, 5xx, 429, broker unavailable). */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    /** A server-requested wait (Retry-After), in milliseconds. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Will fail the same way every time: the input or request must change. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Credentials were refused (HTTP 401/403, SASL failure). Not the data's fault: nothing may be
 * dead-lettered or dropped for it. Sinks keep retrying slowly and report themselves unhealthy
 * until an operator fixes the credential.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The operation was stopped because the process is shutting down. */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  constructor(message = 'aborted') {
    super(message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
