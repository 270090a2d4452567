import type { ForwarderObserver, ForwarderView } from './observer';

/**
 * Readiness: "is this forwarder doing its job right now?" — the API accepts our key, every
 * sink accepts deliveries, and the checkpoint can be written. `/readyz` answers 503 with the
 * failing parts named, so `kubectl describe` and an on-call engineer see which one.
 */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
  /** When it started failing (ISO 8601), where that is known. */
  readonly since?: string;
}

export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready';
  /** Which checks fail: "forwarder", "source", "checkpoint", "sinks.<name>". */
  readonly failing: readonly string[];
  /** One line per failing check, with since when: what an on-call engineer reads first. */
  readonly summary: readonly string[];
  readonly checks: {
    readonly forwarder: CheckResult;
    readonly source: CheckResult & { readonly last_status?: number };
    readonly checkpoint: CheckResult;
    readonly sinks: Readonly<
      Record<string, CheckResult & { readonly type: string; readonly state?: string }>
    >;
  };
}

type Credentials = 'unknown' | 'accepted' | 'refused';

export interface ReadinessOptions {
  /**
   * The source turns red when no request has succeeded for this long: 2 × (poll_interval +
   * request_timeout), two whole cycles that could each have read a page.
   */
  readonly sourceStaleAfterMs?: number;
  readonly now?: () => number;
}

export class Readiness implements ForwarderObserver {
  private view?: ForwarderView;
  private stoppingSince?: number;
  private credentials: Credentials = 'unknown';
  private lastStatus?: number;
  /** When the API last refused our key, while it does. */
  private refusedSince?: number;
  private readonly now: () => number;
  /** When a page was last read whole; the count starts when the forwarder is attached. */
  private lastSuccessAt?: number;
  /** When a request last failed; a failure after the last success means the source is trying. */
  private lastFailureAt?: number;

  constructor(private readonly options: ReadinessOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  attach(view: ForwarderView): void {
    this.view = view;
    this.lastSuccessAt ??= this.now();
  }

  /** A request failed transiently (network, timeout, 5xx, 429) and is tried again. */
  apiRetry(): void {
    this.lastFailureAt = this.now();
  }

  apiPageRead(): void {
    this.lastSuccessAt = this.now();
  }

  /** Shutdown began: take the pod out of rotation at once. */
  stopping(): void {
    this.stoppingSince ??= Date.now();
  }

  apiResponse(status: number): void {
    this.lastStatus = status;
    // Any 2xx proves the key; 401/403 refuse it. Other answers (429, 5xx) say nothing about it.
    if (status >= 200 && status < 300) {
      this.credentials = 'accepted';
      this.refusedSince = undefined;
    } else if (status === 401 || status === 403) {
      this.credentials = 'refused';
      this.refusedSince ??= this.now();
    }
  }

  report(): ReadinessReport {
    const view = this.view;
    const forwarder: CheckResult = this.stoppingSince
      ? {
          ok: false,
          detail: 'shutting down: finishing in-flight batches and writing the checkpoint',
          since: iso(this.stoppingSince),
        }
      : view
        ? { ok: true }
        : { ok: false, detail: 'starting: loading the checkpoint and building the sinks' };
    const source = this.sourceCheck(view);
    const saveError = view?.checkpointer.saveError;
    const checkpoint: CheckResult = saveError
      ? { ok: false, detail: `cannot write the checkpoint: ${saveError}` }
      : { ok: true };
    const sinks: Record<string, CheckResult & { type: string; state?: string }> = {};
    for (const h of view?.pipeline.health() ?? []) {
      sinks[h.sink] = h.healthy
        ? { ok: true, type: h.type }
        : {
            ok: false,
            type: h.type,
            detail: h.detail ?? 'unhealthy',
            ...(h.since === undefined ? {} : { since: h.since }),
          };
    }
    for (const lane of view?.isolation?.views() ?? []) {
      if (lane.state === 'attached') continue;
      const own = sinks[lane.sink];
      const since = lane.since ? ` since ${lane.since}` : '';
      sinks[lane.sink] =
        lane.state === 'detached'
          ? {
              ok: false,
              type: lane.type,
              state: lane.state,
              ...(lane.since === undefined ? {} : { since: lane.since }),
              detail: `detached${since} (${lane.reason ?? 'failing'}); the other sinks flow on, and it catches up from the API once it accepts deliveries${own && !own.ok && own.detail ? `. Now: ${own.detail}` : ''}`,
            }
          : {
              ok: own?.ok ?? true,
              type: lane.type,
              state: lane.state,
              detail: `catching up: ${Math.round(lane.lagSeconds)}s behind the other sinks, ${lane.caughtUp} activities re-read for it so far${own && !own.ok && own.detail ? `. Now: ${own.detail}` : ''}`,
            };
    }
    const parts: [string, CheckResult][] = [
      ['forwarder', forwarder],
      ['source', source],
      ['checkpoint', checkpoint],
      ...Object.entries(sinks).map(([name, c]): [string, CheckResult] => [`sinks.${name}`, c]),
    ];
    const failed = parts.filter(([, c]) => !c.ok);
    return {
      status: failed.length === 0 ? 'ready' : 'not_ready',
      failing: failed.map(([name]) => name),
      summary: failed.map(
        ([name, c]) =>
          `${name}${c.since === undefined ? '' : ` (since ${c.since})`}: ${c.detail ?? 'failing'}`,
      ),
      checks: { forwarder, source, checkpoint, sinks },
    };
  }

  /** How long no request has succeeded, when that is longer than allowed. */
  private staleFor(): number | undefined {
    const limit = this.options.sourceStaleAfterMs;
    if (limit === undefined || this.lastSuccessAt === undefined) return undefined;
    // Records waiting for the sinks hold the poller back (backpressure): then the sinks, not
    // the source, are what stalls, and their own checks say so. Not when requests are being
    // made and failing: then the source is down too (an API outage while a sink is down).
    const failingSinceSuccess = (this.lastFailureAt ?? -Infinity) > this.lastSuccessAt;
    if ((this.view?.pipeline.buffered ?? 0) > 0 && !failingSinceSuccess) return undefined;
    const since = this.now() - this.lastSuccessAt;
    return since > limit ? since : undefined;
  }

  private sourceCheck(view: ForwarderView | undefined): CheckResult & { last_status?: number } {
    const last = this.lastStatus === undefined ? {} : { last_status: this.lastStatus };
    switch (this.credentials) {
      case 'accepted': {
        const stale = this.staleFor();
        if (stale !== undefined) {
          const why = view?.sourceError ? ` The last poll cycle failed: ${view.sourceError}` : '';
          return {
            ok: false,
            detail: `no Compliance API request has succeeded for ${Math.round(stale / 1000)}s (more than 2 × (poll_interval + request_timeout)).${why}`,
            since: iso(this.now() - stale),
            ...last,
          };
        }
        return { ok: true, ...last };
      }
      case 'refused':
        return {
          ok: false,
          detail: view?.sourceError ?? `The Compliance API refused the API key (${this.lastStatus})`,
          ...(this.refusedSince === undefined ? {} : { since: iso(this.refusedSince) }),
          ...last,
        };
      default:
        return {
          ok: false,
          detail: view?.sourceError ?? 'waiting for the first answer of the Compliance API',
          ...last,
        };
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
