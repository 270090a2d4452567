import type { Sink, SinkHealth } from '../sinks/sink';
import type { PipelineRecord } from './record';
import { AckTracker, MAX_SINKS, sinkBit } from './ack-tracker';
import { DeadLetterFile } from './dead-letter';
import { SinkWorker, type SinkObserver } from './sink-worker';
import type { Logger } from '../observability/logger';
import { errorMessage } from '../util/errors';
import { sleep } from '../util/retry';
import type { SinkRoute } from '../routing/route';
import type { Privacy } from '../routing/privacy';

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
  /**
   * false for a catch-up lane's pipeline: the sinks and the dead-letter file belong to the
   * main pipeline, which starts and closes them.
   */
  readonly ownsSinks?: boolean;
  /** Each sink's filter and privacy blocks, by sink name (absent: every record, as read). */
  readonly routes?: ReadonlyMap<string, SinkRoute>;
}

export interface SinkStartFailure {
  readonly sink: Sink;
  readonly error: unknown;
}

/** What the source hands the pipeline: an activity, its raw text, and whether any sink gets it. */
export interface PipelineInput {
  readonly activity: PipelineRecord['activity'];
  readonly raw: string;
  readonly deliver: boolean;
  readonly foundLate?: boolean;
  readonly synthetic?: boolean;
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
  /** By sink index; undefined while that sink is detached. */
  private readonly workers: (SinkWorker | undefined)[];
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
    if (opts.sinks.length > MAX_SINKS)
      throw new Error(`at most ${MAX_SINKS} sinks are supported; ${opts.sinks.length} are configured`);
    this.workers = opts.sinks.map((_sink, i) => this.newWorker(i));
  }

  private newWorker(index: number, alreadyHas?: ReadonlyMap<string, number>): SinkWorker {
    const sink = this.opts.sinks[index];
    return new SinkWorker(
      sink,
      sinkBit(index),
      this.tracker,
      this.opts.deadLetter,
      this.opts.logger.child({ sink: sink.name }),
      this.abort.signal,
      this.opts.observer,
      this.opts.unhealthyAfterMs,
      alreadyHas,
      this.opts.routes?.get(sink.name),
    );
  }

  private indexOf(name: string): number {
    const i = this.opts.sinks.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no sink named ${name}`);
    return i;
  }

  /** Names of the sinks that get records now. */
  attached(): string[] {
    return this.liveWorkers().map((w) => w.sink.name);
  }

  private liveWorkers(): SinkWorker[] {
    return this.workers.filter((w): w is SinkWorker => w !== undefined);
  }

  /**
   * Stops handing records to this sink and stops waiting for it: what it holds is dropped
   * from memory (its catch-up lane reads it again from the API) and the rest move on.
   */
  detach(name: string): void {
    const i = this.indexOf(name);
    const worker = this.workers[i];
    if (!worker) return;
    this.workers[i] = undefined;
    worker.abandon();
    this.tracker.release(worker.bit);
  }

  /** Hands this sink records again, from the next push on; `alreadyHas` ids are acknowledged unsent. */
  attach(name: string, alreadyHas?: ReadonlyMap<string, number>): void {
    const i = this.indexOf(name);
    if (this.workers[i]) return;
    this.workers[i] = this.newWorker(i, alreadyHas);
  }

  /** Per attached sink: the records it holds, and its health (health.unhealthy_after applied). */
  progress(now = Date.now()): ({ sink: string; waiting: number } & SinkHealth)[] {
    return this.liveWorkers().map((w) => ({ sink: w.sink.name, waiting: w.waiting, ...w.health(now) }));
  }

  /** Whether the oldest uncommitted record waits for this sink (it holds the checkpoint back). */
  isHeldBackBy(name: string): boolean {
    return (this.tracker.headWaiting() & sinkBit(this.indexOf(name))) !== 0;
  }

  /** The room for records: full means push() is waiting. */
  get capacity(): number {
    return this.opts.maxBufferedEvents;
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
    return this.opts.sinks.map((sink, i) => ({
      sink: sink.name,
      queued: this.workers[i]?.queued ?? 0,
      batchesInFlight: this.workers[i]?.batchesInFlight ?? 0,
    }));
  }

  /** Runs every sink's start-up check in parallel; the first failure names its sink. */
  async start(signal: AbortSignal): Promise<void> {
    await this.opts.deadLetter.open();
    const failed = await this.startSinks(this.opts.sinks, signal);
    if (failed.length > 0) throw new SinkStartError(failed.map(describeStartFailure).join('; '));
  }

  /** Opens the dead-letter file (before any sink can refuse a record). */
  async open(): Promise<void> {
    await this.opts.deadLetter.open();
  }

  /** Runs these sinks' start-up checks in parallel, and says which failed. */
  async startSinks(sinks: readonly Sink[], signal: AbortSignal): Promise<SinkStartFailure[]> {
    const results = await Promise.allSettled(sinks.map((s) => s.start(signal)));
    return results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ sink: sinks[i], error: r.reason as unknown }] : [],
    );
  }

  /** Hands a page of records to every sink (those with `deliver: false` to none). */
  async push(items: readonly PipelineInput[], signal?: AbortSignal): Promise<void> {
    // Wait for room, but let a page larger than the whole buffer through when it is empty.
    // Room is freed when the checkpoint is saved, not at commit: that bounds what a crash
    // can re-send to max_buffered_events (plus one page).
    while (this.buffered > 0 && this.buffered + items.length > this.opts.maxBufferedEvents) {
      if (signal?.aborted) return;
      if (this.unpersisted > 0) this.opts.persistSoon?.();
      await this.whenRoomMayHaveFreed(signal);
    }
    const workers = this.liveWorkers();
    const records: PipelineRecord[] = items.map((it) => ({
      seq: this.nextSeq++,
      activity: it.activity,
      raw: it.raw,
      deliver: it.deliver,
      foundLate: it.foundLate,
      synthetic: it.synthetic,
      serialized: undefined,
    }));
    const filtered = this.opts.routes?.size ? new Array<number>(workers.length).fill(0) : undefined;
    const masks = records.map((record) => (record.deliver ? this.receivers(record, workers, filtered) : 0));
    for (let i = 0; i < records.length; i++) this.tracker.track(records[i], masks[i]);
    for (let i = 0; i < records.length; i++) {
      const mask = masks[i];
      if (mask === 0) continue;
      const record = records[i];
      // A power of two is one receiver: nothing to share.
      const shared = (mask & (mask - 1)) !== 0;
      if (shared) record.serialized = new Map();
      let views: Map<Privacy, PipelineRecord> | undefined;
      for (const w of workers) {
        if (!(mask & w.bit)) continue;
        const privacy = w.privacy;
        if (!privacy) {
          w.enqueue(record);
          continue;
        }
        // Sinks with the same privacy block share one view, and so its serializations.
        views ??= new Map();
        let view = views.get(privacy);
        if (!view) {
          view = privacy.view(record);
          if (shared && view !== record) view.serialized = new Map();
          views.set(privacy, view);
        }
        w.enqueue(view);
      }
      record.serialized = undefined;
      if (views) for (const v of views.values()) v.serialized = undefined;
    }
    if (filtered) this.reportFiltered(workers, filtered);
    this.tracker.advance();
  }

  /** The bits of the workers that take this record; those whose filter refuses it are counted. */
  private receivers(record: PipelineRecord, workers: readonly SinkWorker[], filtered?: number[]): number {
    let mask = 0;
    for (let i = 0; i < workers.length; i++) {
      const w = workers[i];
      if (!w.wants(record)) continue;
      if (filtered && !w.accepts(record)) filtered[i]++;
      else mask |= w.bit;
    }
    return mask;
  }

  private reportFiltered(workers: readonly SinkWorker[], filtered: readonly number[]): void {
    for (let i = 0; i < workers.length; i++)
      if (filtered[i] > 0) this.opts.observer?.onFiltered?.(workers[i].sink.name, filtered[i]);
  }

  /** Sends what is queued now, partial batches too, without waiting for the batch timeout. */
  sendQueued(): void {
    for (const w of this.liveWorkers()) w.sendQueued();
  }

  /** Sends partial batches now and waits until everything pushed is committed. */
  async drain(timeoutMs: number): Promise<boolean> {
    for (const w of this.liveWorkers()) w.flush();
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
    for (const w of this.liveWorkers()) w.stop();
    if (this.opts.ownsSinks === false) return;
    await Promise.allSettled(this.opts.sinks.map((s) => s.close()));
    await this.opts.deadLetter.close();
  }

  /** Each sink's health: its worker's judgement while attached, the sink's own report while detached. */
  health(): ({ sink: string; type: string } & SinkHealth)[] {
    return this.opts.sinks.map((sink, i) => ({
      sink: sink.name,
      type: sink.type,
      ...(this.workers[i]?.health() ?? sink.health()),
    }));
  }
}

export function describeStartFailure(f: SinkStartFailure): string {
  return `sinks.${f.sink.name} (${f.sink.type}): ${errorMessage(f.error)}`;
}
