/**
 * The tenant-wide request limit (600/min per parent organization live). Sliding window by
 * default: a log of the accepted requests' times; `fixed` resets at each window boundary.
 */
export interface RateLimitOptions {
  readonly limit: number;
  readonly windowMs?: number;
  readonly mode?: 'sliding' | 'fixed';
}

export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** When a slot frees up (sliding) or the window resets (fixed), epoch ms. */
  readonly resetAtMs: number;
  /** Whole seconds to wait, for `retry-after` (only when refused). */
  readonly retryAfterSeconds: number;
}

export class RateLimiter {
  private readonly windowMs: number;
  private readonly mode: 'sliding' | 'fixed';
  private limit: number;
  private times: number[] = [];
  private head = 0;
  private windowStart = 0;
  private windowCount = 0;

  constructor(options: RateLimitOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 60_000;
    this.mode = options.mode ?? 'sliding';
  }

  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** Counts one request at `nowMs` if the limit allows it. */
  take(nowMs: number): RateDecision {
    return this.mode === 'fixed' ? this.takeFixed(nowMs) : this.takeSliding(nowMs);
  }

  private takeSliding(nowMs: number): RateDecision {
    while (this.head < this.times.length && this.times[this.head] <= nowMs - this.windowMs) this.head++;
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    const used = this.times.length - this.head;
    if (used >= this.limit) {
      const resetAtMs = (used > 0 ? this.times[this.head] : nowMs) + this.windowMs;
      return {
        allowed: false,
        limit: this.limit,
        remaining: 0,
        resetAtMs,
        retryAfterSeconds: Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000)),
      };
    }
    this.times.push(nowMs);
    return {
      allowed: true,
      limit: this.limit,
      remaining: this.limit - used - 1,
      resetAtMs: this.times[this.head] + this.windowMs,
      retryAfterSeconds: 0,
    };
  }

  private takeFixed(nowMs: number): RateDecision {
    const start = Math.floor(nowMs / this.windowMs) * this.windowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.windowCount = 0;
    }
    const resetAtMs = start + this.windowMs;
    if (this.windowCount >= this.limit) {
      return {
        allowed: false,
        limit: this.limit,
        remaining: 0,
        resetAtMs,
        retryAfterSeconds: Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000)),
      };
    }
    this.windowCount++;
    return {
      allowed: true,
      limit: this.limit,
      remaining: this.limit - this.windowCount,
      resetAtMs,
      retryAfterSeconds: 0,
    };
  }
}
