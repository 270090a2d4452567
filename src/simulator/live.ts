import type { FaultController } from './faults';
import { Rng, mixSeed } from './prng';
import type { RecordingSwitch } from './recording';
import { type ActivityStore, Stream } from './store';

/**
 * Live activity: `rate` rows per second with `created_at` ≈ now, each visible after an
 * ingestion delay (and some much later, the late-indexing fault). Rows are materialized
 * lazily up to "now" whenever anyone looks, which gives the same feed as a timer would,
 * without one; row k's time and delay depend only on (seed, k). While the Compliance API is
 * switched off, rows falling due are not recorded at all; the switches themselves are.
 */
export interface DelayRange {
  readonly minMs: number;
  readonly maxMs: number;
}

export class LiveFeed {
  private rate: number;
  private epochMs: number;
  /** Rows generated before the last rate change. */
  private base = 0;
  private generated = 0;
  private recorded = 0;

  constructor(
    private readonly store: ActivityStore,
    private readonly seed: number,
    rate: number,
    startMs: number,
    private ingestionDelay: DelayRange,
    private readonly faults: FaultController,
    private readonly recording: RecordingSwitch,
  ) {
    this.rate = rate;
    this.epochMs = startMs;
  }

  /** Live rows recorded so far. */
  get count(): number {
    return this.recorded;
  }

  get ratePerSecond(): number {
    return this.rate;
  }

  /** Changes the rate from `nowMs` on (rows already due are generated first). */
  setRate(rate: number, nowMs: number): void {
    this.materialize(nowMs);
    this.rate = rate;
    this.epochMs = nowMs;
    this.base = this.generated;
  }

  setIngestionDelay(delay: DelayRange): void {
    this.ingestionDelay = delay;
  }

  /** Appends every row whose time has come by `nowMs`. */
  materialize(nowMs: number): void {
    this.generate(nowMs);
    this.recording.recordDue(nowMs);
  }

  private generate(nowMs: number): void {
    if (this.rate <= 0) return;
    const intervalMs = 1000 / this.rate;
    for (;;) {
      const k = this.generated;
      const rng = new Rng(mixSeed(this.seed, 0x11fe, k));
      // Evenly spaced with jitter inside the slot: monotone enough, never identical.
      const atMs = this.epochMs + (k - this.base) * intervalMs + rng.next() * intervalMs;
      if (atMs > nowMs) return;
      const micros = Math.floor(atMs * 1000);
      const { minMs, maxMs } = this.ingestionDelay;
      const delay = minMs + rng.next() * Math.max(0, maxMs - minMs);
      const late = this.faults.lateDelay(nowMs, rng);
      this.generated++;
      if (!this.recording.isRecording(atMs)) continue;
      this.store.appendGenerated(Stream.Live, micros, atMs + Math.max(delay, late));
      this.recorded++;
    }
  }
}
