import type { Sink } from '../sinks/sink';
import type { Checkpointer } from '../checkpoint/checkpointer';
import type { Logger } from '../observability/logger';
import { errorMessage } from '../util/errors';
import { backoffDelay, sleep } from '../util/retry';
import type { CatchUpLane } from './catch-up-lane';
import type { Pipeline, SinkStartFailure } from './pipeline';

/** Where a sink stands against the main lane. */
export type SinkLaneStateName = 'attached' | 'detached' | 'catching_up';

/** One sink as metrics, readiness and `checkpoint show` see it. */
export interface SinkLaneView {
  readonly sink: string;
  readonly type: string;
  readonly state: SinkLaneStateName;
  /** When it was detached (ISO), and why. */
  readonly since?: string;
  readonly reason?: string;
  /** How far its newest delivered created_at is behind the main lane's, in seconds. */
  readonly lagSeconds: number;
  /** Activities its catch-up lane delivered since it was detached. */
  readonly caughtUp: number;
}

export interface IsolationObserver {
  onDetached?(sink: string, reason: string): void;
  onAttached?(sink: string): void;
  onCatchUpCycle?(sink: string, delivered: number): void;
}

export interface SinkIsolationOptions {
  readonly pipeline: Pipeline;
  readonly checkpointer: Checkpointer;
  /**
   * A healthy sink that alone holds the head of a full buffer, with more than its share of
   * it, for this long (health.unhealthy_after) is detached. A full buffer for a moment is
   * ordinary backpressure (a backlog read faster than the slowest sink takes it): detaching
   * then would cost a re-read and re-send what was in flight.
   */
  readonly behindAfterMs: number;
  /**
   * A catch-up lane whose last cycle ended this close behind the main lane's is waited for
   * (at most ATTACH_WAIT_MS) between main cycles, so that it can be attached.
   */
  readonly closeEnoughMs: number;
  readonly logger: Logger;
  readonly newLane: (sink: Sink, needsStart: boolean) => CatchUpLane;
  readonly observer?: IsolationObserver;
  readonly now?: () => number;
}

/** The longest the main lane pauses between cycles for a nearly caught-up lane. */
const ATTACH_WAIT_MS = 10_000;

/** How often the watchdog looks at the sinks. */
const WATCH_EVERY_MS = 1000;

/**
 * pipeline.on_sink_failure: isolate. One dead or slow destination must never stop the others:
 * a sink that is unhealthy (the one rule: runtime/health.ts), or that holds the head of a
 * full buffer with more than its share of it, is detached. The main lane then runs at the
 * pace of the rest, and the sink gets a position of its own in the checkpoint and a catch-up
 * lane that reads the API again for it alone. When that lane has read up to the main lane's
 * last cycle, the sink is attached again. The last attached sink is never detached: with
 * nothing else flowing there is nothing to protect, and lock-step is simpler to reason about.
 */
export class SinkIsolation {
  private readonly lanes = new Map<string, CatchUpLane>();
  private readonly now: () => number;
  /** Sinks failing their start-up check while the whole start waits (readiness shows them). */
  private startFailures: readonly SinkStartFailure[] = [];
  /** Since when each sink has held the head of a full buffer (backpressure it alone causes). */
  private readonly behindSince = new Map<string, number>();

  constructor(private readonly opts: SinkIsolationOptions) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Detaches the sinks that failed to start and those the checkpoint says are still
   * catching up; forgets positions of sinks no longer configured.
   */
  resume(failedToStart: readonly SinkStartFailure[]): void {
    const { pipeline, checkpointer, logger } = this.opts;
    const configured = new Set(pipeline.sinks.map((s) => s.name));
    for (const name of Object.keys(checkpointer.sinkLanes)) {
      if (configured.has(name)) continue;
      logger.warn(
        'the checkpoint holds a catch-up position for a sink that is no longer configured; forgetting it',
        {
          sink: name,
        },
      );
      checkpointer.forgetSinkLane(name);
    }
    const failed = new Map(failedToStart.map((f) => [f.sink.name, f]));
    for (const sink of pipeline.sinks) {
      const failure = failed.get(sink.name);
      if (sink.name in checkpointer.sinkLanes) {
        logger.info('resuming the catch-up of a detached sink', {
          sink: sink.name,
          position: checkpointer.sinkWatermark(sink.name),
        });
        this.detach(sink, 'still catching up after a restart', failure !== undefined);
      } else if (failure) {
        this.detach(sink, `its start-up check failed: ${errorMessage(failure.error)}`, true);
      }
    }
  }

  /**
   * Tries failed start-up checks again with the shared backoff until every sink starts, or
   * (`untilOneStarts`) until one does; returns those still failing.
   */
  async retryStarts(
    failed: readonly SinkStartFailure[],
    opts: { readonly untilOneStarts: boolean; readonly signal: AbortSignal },
  ): Promise<SinkStartFailure[]> {
    const { pipeline, logger } = this.opts;
    let remaining = [...failed];
    for (let attempt = 0; remaining.length > 0; attempt++) {
      if (opts.untilOneStarts && remaining.length < pipeline.sinks.length) break;
      const delayMs = backoffDelay(attempt, { initialMs: 1000, maxMs: 30_000 });
      logger.error('sinks fail their start-up checks; nothing can be delivered yet; trying again', {
        sinks: remaining.map((f) => `sinks.${f.sink.name}: ${errorMessage(f.error)}`),
        delay_ms: delayMs,
      });
      this.startFailures = remaining;
      await sleep(delayMs, opts.signal).catch(() => undefined);
      // Stopped while waiting: the run loop sees the signal and shuts down cleanly.
      if (opts.signal.aborted) break;
      remaining = await pipeline.startSinks(
        remaining.map((f) => f.sink),
        opts.signal,
      );
    }
    this.startFailures = [];
    return remaining;
  }

  /** Watches the attached sinks until the signal aborts, detaching the one that fails. */
  async watch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(WATCH_EVERY_MS, signal).catch(() => undefined);
      if (!signal.aborted) this.detachFailing();
    }
  }

  /** One look at the attached sinks (the watchdog's step; tests call it directly). */
  detachFailing(): void {
    const { pipeline } = this.opts;
    const progress = pipeline.progress(this.now());
    if (progress.length < 2) return;
    const full = pipeline.buffered >= pipeline.capacity;
    const share = pipeline.capacity / progress.length;
    for (const p of progress) {
      if (pipeline.attached().length < 2) return;
      const sink = pipeline.sinks.find((s) => s.name === p.sink);
      if (!sink) continue;
      if (!p.healthy) {
        this.detach(sink, p.detail ?? 'unhealthy', false);
      } else if (!(full && p.waiting > share && pipeline.isHeldBackBy(sink.name))) {
        this.behindSince.delete(sink.name);
      } else if (this.behindFor(sink.name) >= this.opts.behindAfterMs) {
        this.behindSince.delete(sink.name);
        this.detach(
          sink,
          `fell behind: it holds ${p.waiting} of the ${pipeline.capacity} activities the buffer allows (its share is ${Math.floor(share)})`,
          false,
        );
      }
    }
  }

  /** How long the sink has been the one holding a full buffer back, counting from its first look. */
  private behindFor(sink: string): number {
    const now = this.now();
    const since = this.behindSince.get(sink) ?? now;
    this.behindSince.set(sink, since);
    return now - since;
  }

  private detach(sink: Sink, reason: string, needsStart: boolean): void {
    const { pipeline, checkpointer, logger } = this.opts;
    if (this.lanes.has(sink.name)) return;
    // The sink's own position first: the main position as it stands, which it has in full.
    // Only then may the main lane commit what the sink has not acknowledged.
    if (!(sink.name in checkpointer.sinkLanes)) checkpointer.detachSink(sink.name, reason);
    pipeline.detach(sink.name);
    const lane = this.opts.newLane(sink, needsStart);
    this.lanes.set(sink.name, lane);
    logger.warn(
      'sink detached: the other sinks flow on; it gets its own position and catches up from the Compliance API once it accepts deliveries again',
      { sink: sink.name, reason, position: checkpointer.sinkWatermark(sink.name) },
    );
    this.opts.observer?.onDetached?.(sink.name, reason);
    lane.start();
  }

  /**
   * Attaches every sink whose catch-up lane has committed everything up to the main lane's
   * last cycle. Called between main cycles, so the main lane has nothing in flight.
   */
  async attachCaughtUp(
    mainReadTo: string | undefined,
    signal: AbortSignal,
    /** Wait this long for every lane, however far behind (run --once: the run's last chance). */
    settleMs?: number,
  ): Promise<void> {
    if (mainReadTo === undefined) return;
    const { pipeline, checkpointer, logger } = this.opts;
    for (const [name, lane] of [...this.lanes]) {
      // A lane within a few cycles of the main lane gets the pause it needs to read the rest:
      // racing a main lane that keeps moving, it could trail one cycle behind for ever.
      const behind = lane.behindBy(mainReadTo);
      if (settleMs !== undefined) await lane.settleTo(mainReadTo, settleMs, signal);
      else if (behind !== undefined && behind > 0 && behind <= this.opts.closeEnoughMs)
        await lane.settleTo(mainReadTo, ATTACH_WAIT_MS, signal);
      if (lane.caughtUpTo() !== mainReadTo) continue;
      // Late rows the others got meanwhile go first (the lane is fetching them).
      if (checkpointer.sinkOwedLate(name).length > 0) continue;
      await lane.stop();
      this.lanes.delete(name);
      const has = checkpointer.attachSink(name);
      pipeline.attach(name, has);
      logger.info('sink caught up with the main lane; attached again', { sink: name, read_to: mainReadTo });
      this.opts.observer?.onAttached?.(name);
    }
  }

  /** A detached sink's commits were saved: its lane's buffer has room again. */
  persisted(sink: string, count: number): void {
    this.lanes.get(sink)?.pipeline.persisted(count);
  }

  /** Stops every catch-up lane; what they had in flight is read again next time. */
  async stop(): Promise<void> {
    await Promise.all([...this.lanes.values()].map((l) => l.stop()));
    this.lanes.clear();
  }

  views(): SinkLaneView[] {
    const { pipeline, checkpointer } = this.opts;
    const mainMs = checkpointer.watermark ? Date.parse(checkpointer.watermark) : undefined;
    const starting = new Map(this.startFailures.map((f) => [f.sink.name, f]));
    return pipeline.sinks.map((sink): SinkLaneView => {
      const lane = checkpointer.sinkLanes[sink.name];
      const failure = starting.get(sink.name);
      if (failure)
        return {
          sink: sink.name,
          type: sink.type,
          state: 'detached',
          reason: `its start-up check fails: ${errorMessage(failure.error)}`,
          lagSeconds: 0,
          caughtUp: 0,
        };
      if (!lane) return { sink: sink.name, type: sink.type, state: 'attached', lagSeconds: 0, caughtUp: 0 };
      const laneMs = lane.watermark ? Date.parse(lane.watermark) : undefined;
      const lagSeconds =
        mainMs !== undefined && laneMs !== undefined ? Math.max(0, (mainMs - laneMs) / 1000) : 0;
      return {
        sink: sink.name,
        type: sink.type,
        state: lane.state,
        since: lane.since,
        reason: lane.reason,
        lagSeconds,
        caughtUp: lane.delivered,
      };
    });
  }
}
