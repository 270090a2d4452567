import Bottleneck from 'bottleneck';
import { sleep } from '../util/retry';
import { OneAtATime } from '../util/one-at-a-time';

/**
 * Our share of the tenant's rate limit. The API allows 600 requests/min per parent
 * organization, shared with every other tool of the tenant, so we (1) cap ourselves at
 * `max_requests_per_minute` with requests spaced evenly, (2) slow down when the server says
 * few requests remain in its window, and (3) stop everyone after a 429 until Retry-After
 * has passed.
 */
export interface RateLimitSnapshot {
  readonly limit?: number;
  readonly remaining?: number;
  readonly resetAt?: number;
}

/** Bottleneck's default priority: requests that do not say sit between the extremes. */
const DEFAULT_URGENCY = 5;

export class RateGovernor {
  private readonly limiter: Bottleneck;
  private pausedUntil = 0;
  private snapshot: RateLimitSnapshot = {};
  /** Requests take turns here: see `takeTurn`. */
  private readonly turns = new OneAtATime();
  private lastStartAt = Number.NEGATIVE_INFINITY;
  private readonly spacingMs: number;

  constructor(
    readonly requestsPerMinute: number,
    /** Below this fraction of the server's limit remaining, wait for the window to reset. */
    private readonly lowWaterFraction = 0.1,
    private readonly now: () => number = Date.now,
  ) {
    this.spacingMs = Math.floor(60_000 / requestsPerMinute);
    // Bottleneck admits requests, it does not run them: with one admission at a time, the
    // requests not yet admitted stay in its queue, where priorities order them. (With more,
    // it books each one a launch time the moment it arrives, and priorities change nothing.)
    // How many requests are in flight is the backfill's concurrency, bounded where it reads.
    // The spacing is kept by `takeTurn`, on slots: bottleneck's own minTime counts from each
    // (late) launch and would bring the drift back.
    this.limiter = new Bottleneck({
      maxConcurrent: 1,
      reservoir: requestsPerMinute,
      reservoirRefreshAmount: requestsPerMinute,
      reservoirRefreshInterval: 60_000,
    });
  }

  /**
   * Runs `fn` when our budget and the server's signals allow a request. Waiting requests go
   * in `urgency` order (0 first, 9 last; bottleneck's priorities), then in arrival order.
   */
  async schedule<T>(fn: () => Promise<T>, signal?: AbortSignal, urgency = DEFAULT_URGENCY): Promise<T> {
    await this.limiter.schedule({ priority: Math.min(9, Math.max(0, Math.round(urgency))) }, () =>
      this.takeTurn(signal),
    );
    return fn();
  }

  /**
   * Bottleneck spaces the jobs it launches, but a launched job may still have to sit out a
   * pause (Retry-After, a nearly spent server window). Jobs that waited for the same pause
   * would otherwise all fire the moment it ends — a burst at exactly the instant the server
   * said it would listen again — and one that went to sleep before a newer 429 would not see
   * it. So the waiting is done one job at a time, re-reading the pause after every sleep.
   *
   * A request that waits starts on its slot, the spacing after the previous one. Its timer
   * fires late when the event loop is busy (parsing a page takes tens of milliseconds), and
   * counting the next spacing from the late start, as this did, lost the lateness every
   * time: 43 requests at 100 ms took 4.5 s, 5 % of the budget. So a request that waited
   * keeps its slot as its start. One that came after its slot had passed (nobody was
   * waiting) starts the spacing afresh, and so does one more than a spacing late: time
   * nobody waited for is never saved up for a burst.
   */
  private takeTurn(signal?: AbortSignal): Promise<void> {
    return this.turns.run(async () => {
      let slot: number;
      let waited = false;
      for (;;) {
        slot = Math.max(this.pausedUntil, this.lastStartAt + this.spacingMs);
        const wait = slot - this.now();
        if (wait <= 0) break;
        waited = true;
        await sleep(wait, signal);
      }
      const now = this.now();
      this.lastStartAt = waited && now - slot < this.spacingMs ? slot : now;
    });
  }

  /**
   * Reads `anthropic-ratelimit-requests-*` headers from any authenticated response. `cap`
   * bounds the wait a reset asks for (source.max_wait).
   */
  observe(headers: Record<string, unknown>, cap: (askedMs: number) => number = (ms) => ms): void {
    const limit = Number(headers['anthropic-ratelimit-requests-limit']);
    const remaining = Number(headers['anthropic-ratelimit-requests-remaining']);
    const reset = Date.parse(asText(headers['anthropic-ratelimit-requests-reset']));
    if (!Number.isFinite(limit) || !Number.isFinite(remaining)) return;
    this.snapshot = { limit, remaining, resetAt: Number.isFinite(reset) ? reset : undefined };
    // Other tools share this budget: leave them the last tenth rather than race them to zero.
    if (remaining <= Math.max(1, Math.floor(limit * this.lowWaterFraction)) && Number.isFinite(reset)) {
      const now = this.now();
      if (reset > now) this.pauseUntil(now + cap(reset - now));
    }
  }

  /** After a 429: nobody sends until `until` (epoch ms). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  get state(): RateLimitSnapshot & { pausedUntil: number } {
    return { ...this.snapshot, pausedUntil: this.pausedUntil };
  }

  async stop(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}

function asText(header: unknown): string {
  return typeof header === 'string' ? header : '';
}
