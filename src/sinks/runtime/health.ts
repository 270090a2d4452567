import type { Logger } from '../../observability/logger';
import { redact } from '../../observability/redact';
import type { SinkHealth } from '../sink';

export interface FailingOptions {
  /** The destination refuses our credentials or certificate: people fix it, not retries. */
  readonly auth?: boolean;
}

/**
 * A sink's health as readiness sees it: healthy until a failure, unhealthy with a detail an
 * operator can act on, healthy again after the next success. Logs on changes, not per retry,
 * so an outage of an hour is a handful of lines: a warning when delivery starts failing (an
 * error when credentials or certificates are refused: retrying cannot fix that, people
 * must), a warning when the reason changes, an info line when delivery resumes. Readiness
 * and `sink_healthy` carry the state meanwhile. The detail is redacted: it is shown on /readyz.
 */
export class HealthTracker {
  private current: SinkHealth = { healthy: true };
  private currentIsAuth = false;
  private failingSince?: number;

  constructor(
    private readonly logger: Logger,
    /** How log lines name the destination, e.g. `Splunk HEC` (the logger carries the sink's name). */
    private readonly label: string,
  ) {}

  get(): SinkHealth {
    return this.current;
  }

  failing(detail: string, opts: FailingOptions = {}): void {
    const auth = opts.auth ?? false;
    const safe = redact(detail);
    const was = this.current;
    if (!was.healthy && was.detail === safe) return;
    const kindChanged = was.healthy || this.currentIsAuth !== auth;
    this.failingSince ??= Date.now();
    this.current = { healthy: false, detail: safe };
    this.currentIsAuth = auth;
    const meta = { error: safe, auth };
    if (!kindChanged) this.logger.warn(`${this.label}: still cannot deliver`, meta);
    else if (auth)
      this.logger.error(
        `${this.label} refuses delivery; holding every event (nothing is dropped) and retrying slowly until it is fixed`,
        meta,
      );
    else
      this.logger.warn(
        `${this.label}: cannot deliver; holding every event (nothing is dropped) and retrying until it can`,
        meta,
      );
  }

  ok(): void {
    if (this.current.healthy) return;
    const downMs = this.failingSince === undefined ? undefined : Date.now() - this.failingSince;
    this.current = { healthy: true };
    this.currentIsAuth = false;
    this.failingSince = undefined;
    this.logger.info(`${this.label} accepts delivery again`, { failing_ms: downMs });
  }
}
