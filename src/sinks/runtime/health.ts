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
    if (this.current.healthy || this.failingSince === undefined) return this.current;
    return {
      ...this.current,
      since: new Date(this.failingSince).toISOString(),
      ...(this.currentIsAuth ? { refused: true } : {}),
    };
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

/** A sink's work that is waiting on the destination, as its pipeline lane sees it. */
export interface Stall {
  /** Since when batches have been in flight with none settling (ms since the epoch). */
  readonly sinceMs: number;
  readonly batchesInFlight: number;
}

/**
 * The one definition of sink health, for every sink: unhealthy when delivery has failed for
 * `unhealthyAfterMs` (the sink's own report), or when batches handed to it have been in
 * flight that long with none settling: a destination that accepts but never acknowledges,
 * or an ack query failing while every send slot waits on an ack, shows only there. A refusal
 * (credentials, certificate) is unhealthy at once: waiting cannot fix it. Healthy again on
 * the next success: the sink reports it, and a settled batch restarts the stall clock.
 */
export function judgeSinkHealth(
  own: SinkHealth,
  stall: Stall | undefined,
  unhealthyAfterMs: number,
  now: number,
): SinkHealth {
  const ownSinceMs = own.since === undefined ? now : Date.parse(own.since);
  const ownFailing = !own.healthy && (own.refused === true || now - ownSinceMs >= unhealthyAfterMs);
  const stalled = stall !== undefined && now - stall.sinceMs >= unhealthyAfterMs;
  if (!ownFailing && !stalled) return { healthy: true };
  const sinceMs = Math.min(own.healthy ? now : ownSinceMs, stalled ? stall.sinceMs : now);
  const detail =
    !own.healthy && own.detail !== undefined
      ? own.detail
      : `nothing delivered for ${Math.round((now - sinceMs) / 1000)}s: ${stall?.batchesInFlight ?? 0} batch(es) handed to the sink are not acknowledged (health.unhealthy_after is ${Math.round(unhealthyAfterMs / 1000)}s)`;
  return {
    healthy: false,
    detail,
    since: new Date(sinceMs).toISOString(),
    ...(own.refused ? { refused: true } : {}),
  };
}
