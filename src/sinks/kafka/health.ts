import type { Logger } from '../../observability/logger';
import type { SinkHealth } from '../sink';

/**
 * The sink's health as readiness sees it. Logs on changes, not per retry, so an outage of an
 * hour is a handful of lines: an error when delivery starts failing (or when a failure turns
 * into refused credentials, or back), a warning when the reason changes otherwise (broker down
 * → leader not available while it restarts), and an info line when delivery resumes.
 */
export class HealthTracker {
  private current: SinkHealth = { healthy: true };
  private currentIsAuth = false;
  private failingSince?: number;

  constructor(
    private readonly logger: Logger,
    private readonly sinkName: string,
  ) {}

  get(): SinkHealth {
    return this.current;
  }

  failing(detail: string, opts: { auth: boolean }): void {
    const was = this.current;
    if (!was.healthy && was.detail === detail) return;
    const kindChanged = was.healthy || this.currentIsAuth !== opts.auth;
    this.failingSince ??= Date.now();
    this.current = { healthy: false, detail };
    this.currentIsAuth = opts.auth;
    const meta = { sink: this.sinkName, error: detail, auth: opts.auth };
    if (kindChanged) this.logger.error(opts.auth ? 'kafka sink credentials refused; retrying slowly until they are fixed' : 'kafka sink cannot deliver; retrying until it can', meta);
    else this.logger.warn('kafka sink still cannot deliver', meta);
  }

  ok(): void {
    if (this.current.healthy) return;
    const downMs = this.failingSince === undefined ? undefined : Date.now() - this.failingSince;
    this.current = { healthy: true };
    this.currentIsAuth = false;
    this.failingSince = undefined;
    this.logger.info('kafka sink delivering again', { sink: this.sinkName, failing_ms: downMs });
  }
}
