import type { Sink, SinkHealth } from '../sinks/sink';
import type { PipelineRecord } from './record';
import { AckTracker } from './ack-tracker';
import { DeadLetterFile } from './dead-letter';
import { SinkWorker, type SinkObserver } from './sink-worker';
import type { Logger } from '../observability/logger';
import { errorMessage } from '../util/errors';
import { sleep } from '../util/retry';

export interface PipelineOptions {
  readonly sinks: readonly Sink[];
  readonly maxBufferedEvents: number;
  readonly deadLetter: DeadLetterFile;
  readonly logger: Logger;
  /** Called with each newly committed prefix, in order (every sink done with it). */
  readonly onCommit: (records: PipelineRecord[]) => void;
  readonly firstSeq?: number;
  readonly observer?: SinkObserver;
  /** Asked to save the checkpoint now: `push` is waiting for committed records to be saved. */
  readonly persistSoon?: () => void;
  /** health.unhealthy_after: a sink not delivering for this long is unhealthy. */
  readonly unhealthyAfterMs?: number;
}

/** A sink that failed its start-up check: the CLI refuses to start, naming it. */
export class SinkStartError extends Error {
  override readonly name = 'SinkStartError';
}

/**
 * Bounded queue → fan-out to every sink → acknowledgement tracking. `push` waits while
 * `max_buffered_events` records are uncommitted, which is what slows the poller down when a
 * sink is slow or down (backpressure), and what keeps memory flat whatever the backlog.
 */
export class Pipeline {
  private readonly tracker: AckTracker;
  private readonly workers: SinkWorker[];
  private readonly abort = new AbortController();
  private nextSeq: number;
  /** Committed records the checkpoint has not yet made durable: still in flight for a crash. */
  private unpersisted = 0;
  private persistWaiters: Array<() => void> = [];

  constructor(private readonly opts: PipelineOptions) {
    this.nextSeq = opts.firstSeq ?? 1;
    this.tracker = new AckTracker(this.nextSeq, (records) => {
      this.unpersisted += records.length;
      opts.onCommit(records);
    });
    this.workers = opts.sinks.map(
      (sink) =>
        new SinkWorker(
          sink,
          this.tracker,
          opts.deadLetter,
          opts.logger.child({ sink: sink.name }),
          this.abort.signal,
          opts.observer,
          opts.unhealthyAfterMs,
        ),
    );
  }

  /** Records a crash now would deliver again: uncommitted, or committed but not yet saved. */
  get buffered(): number {
    return this.tracker.size + this.unpersisted;
  }

  /** The checkpoint made `count` committed records durable: their room is free again. */
  persisted(count: number): void {
    this.unpersisted = Math.max(0, this.unpersisted - count);
    for (const w of this.persistWaiters.splice(0)) w();
  }

  private async whenRoomMayHaveFreed(signal?: AbortSignal): Promise<void> {
    // With nothing uncommitted, only a checkpoint save frees room: waiting on commits then
    // would resolve at once and spin in microtasks, starving the very timer that saves.
    const waits: Promise<unknown>[] = [new Promise<void>((resolve) => this.persistWaiters.push(resolve))];
    if (this.tracker.size > 0) waits.push(this.tracker.whenSomethingCommits());
    const stopSleeping = new AbortController();
    waits.push(
      sleep(1000, signal ? AbortSignal.any([signal, stopSleeping.signal]) : stopSleeping.signal).catch(
        () => undefined,
      ),
    );
    try {
      await Promise.race(waits);
    } finally {
      stopSleeping.abort();
    }
  }

  get sinks(): readonly Sink[] {
    return this.opts.sinks;
  }

  workerStats(): { sink: string; queued: number; batchesInFlight: number }[] {
    return this.workers.map((w) => ({
      sink: w.sink.name,
      queued: w.queued,
      batchesInFlight: w.batchesInFlight,
    }));
  }

  /** Runs every sink's start-up check in parallel; the first failure names its sink. */
  async start(signal: AbortSignal): Promise<void> {
    await this.opts.deadLetter.open();
    const results = await Promise.allSettled(this.opts.sinks.map((s) => s.start(signal)));
    const failed = results
      .map((r, i) =>
        r.status === 'rejected'
          ? `sinks.${this.opts.sinks[i].name} (${this.opts.sinks[i].type}): ${errorMessage(r.reason)}`
          : undefined,
      )
      .filter((m): m is string => m !== undefined);
    if (failed.length > 0) throw new SinkStartError(failed.join('; '));
  }

  /**
   * Hands a page of records to every sink. `deliver[i] === false` marks a record that no
   * sink should get (filtered) but that still moves the checkpoint in order.
   */
  async push(
    items: readonly { activity: PipelineRecord['activity']; raw: string; deliver: boolean }[],
    signal?: AbortSignal,
  ): Promise<void> {
    // Wait for room, but let a page larger than the whole buffer through when it is empty.
    // Room is freed when the checkpoint is saved, not at commit: that bounds what a crash
    // can re-send to max_buffered_events (plus one page).
    while (this.buffered > 0 && this.buffered + items.length > this.opts.maxBufferedEvents) {
      if (signal?.aborted) return;
      if (this.unpersisted > 0) this.opts.persistSoon?.();
      await this.whenRoomMayHaveFreed(signal);
    }
    const records: { record: PipelineRecord; deliver: boolean }[] = items.map((it) => ({
      record: { seq: this.nextSeq++, activity: it.activity, raw: it.raw, serialized: undefined },
      deliver: it.deliver,
    }));
    for (const { record, deliver } of records) this.tracker.track(record, deliver ? this.workers.length : 0);
    const sharing = this.workers.length > 1;
    for (const { record, deliver } of records) {
      if (!deliver) continue;
      if (sharing) record.serialized = new Map();
      for (const w of this.workers) w.enqueue(record);
      record.serialized = undefined;
    }
    this.tracker.advance();
  }

  /** Sends what is queued now, partial batches too, without waiting for the batch timeout. */
  sendQueued(): void {
    for (const w of this.workers) w.sendQueued();
  }

  /** Sends partial batches now and waits until everything pushed is committed. */
  async drain(timeoutMs: number): Promise<boolean> {
    for (const w of this.workers) w.flush();
    const idle = this.tracker.whenIdle().then(() => true);
    // The timer is cancelled once drained: left running it would hold the process open for
    // the whole shutdown_timeout after a clean stop (SIGTERM, --once).
    const cancel = new AbortController();
    const timeout = sleep(timeoutMs, cancel.signal).then(
      () => false,
      () => false,
    );
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      cancel.abort();
    }
  }

  /** Resolves when everything pushed so far is committed (no timeout). */
  whenIdle(): Promise<void> {
    return this.tracker.whenIdle();
  }

  /** Stops sending: in-flight batches are abandoned unacknowledged (the next run resends). */
  async close(): Promise<void> {
    this.abort.abort();
    for (const w of this.workers) w.stop();
    await Promise.allSettled(this.opts.sinks.map((s) => s.close()));
    await this.opts.deadLetter.close();
  }

  health(): ({ sink: string; type: string } & SinkHealth)[] {
    return this.workers.map((w) => ({ sink: w.sink.name, type: w.sink.type, ...w.health() }));
  }
}
