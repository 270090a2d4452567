import type { EncodedRecord, Sink, SinkHealth } from '../sinks/sink';
import { judgeSinkHealth, type Stall } from '../sinks/runtime/health';
import type { PipelineRecord } from './record';
import type { AckTracker } from './ack-tracker';
import type { DeadLetterFile } from './dead-letter';
import { Batcher } from './batcher';
import type { Logger } from '../observability/logger';
import { AbortedError, PermanentError, errorMessage } from '../util/errors';
import { retry } from '../util/retry';
import type { SinkRoute } from '../routing/route';
import type { Privacy } from '../routing/privacy';

export interface SinkObserver {
  onDelivered?(sink: string, count: number, seconds: number): void;
  onDeadLettered?(sink: string, reason: string, count: number): void;
  onSendError?(sink: string, error: string): void;
  /** Activities this sink's filter left out (acknowledged for it at once). */
  onFiltered?(sink: string, count: number): void;
  /** A batch is handed to the sink; the returned function is told how it ended (traces). */
  onBatchStart?(sink: string, events: number): ((outcome: BatchOutcome) => void) | undefined;
}

export interface BatchOutcome {
  readonly delivered: number;
  readonly rejected: number;
  /** Set when the batch was abandoned (shutdown) or failed unexpectedly. */
  readonly error?: string;
}

/** How long a sink may go without delivering before it is unhealthy (health.unhealthy_after). */
export const DEFAULT_UNHEALTHY_AFTER_MS = 30_000;

/**
 * One sink's lane of the pipeline: encode, batch, send, then tell the ack tracker. Records
 * a sink refuses for good go to the dead-letter file first; a record is acknowledged for a
 * sink only once it is durably delivered or durably dead-lettered.
 */
export class SinkWorker {
  private readonly batcher: Batcher<EncodedRecord>;
  /** Aborted when the pipeline stops, or when this sink alone is detached from it. */
  private readonly stopping: AbortController;
  private readonly signal: AbortSignal;
  /** When each batch in flight was handed to the sink (ms since the epoch). */
  private readonly handedAt = new Set<{ readonly at: number }>();
  private lastSettledAt = 0;

  constructor(
    readonly sink: Sink,
    /** This sink's bit in the ack tracker's masks. */
    readonly bit: number,
    private readonly tracker: AckTracker,
    private readonly deadLetter: DeadLetterFile,
    private readonly logger: Logger,
    pipelineSignal: AbortSignal,
    private readonly observer: SinkObserver = {},
    private readonly unhealthyAfterMs = DEFAULT_UNHEALTHY_AFTER_MS,
    /** Ids this sink already has (from its catch-up lane): acknowledged without sending. */
    private readonly alreadyHas?: ReadonlyMap<string, number>,
    /** This sink's filter and privacy blocks. */
    private readonly route?: SinkRoute,
  ) {
    this.stopping = new AbortController();
    this.signal = AbortSignal.any([pipelineSignal, this.stopping.signal]);
    this.batcher = new Batcher(sink.batch, (batch) => this.dispatch(batch));
  }

  /** Records handed to this sink that it has not finished with. */
  get waiting(): number {
    return this.tracker.waitingFor(this.bit);
  }

  /** Whether a record goes to this sink at all (false: it already has it). */
  wants(record: PipelineRecord): boolean {
    return this.alreadyHas?.has(record.activity.id) !== true;
  }

  /** Whether this sink's filter takes the record (false: it counts as done for this sink). */
  accepts(record: PipelineRecord): boolean {
    return this.route?.accepts?.(record.activity) !== false;
  }

  /** How this sink sees records (undefined: as read). */
  get privacy(): Privacy | undefined {
    return this.route?.privacy;
  }

  get queued(): number {
    return this.batcher.queued;
  }

  get batchesInFlight(): number {
    return this.batcher.batchesInFlight;
  }

  /** The sink's own report, judged with what this lane sees: batches that do not settle. */
  health(now = Date.now()): SinkHealth {
    return judgeSinkHealth(this.sink.health(), this.stall(), this.unhealthyAfterMs, now);
  }

  private stall(): Stall | undefined {
    if (this.handedAt.size === 0) return undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const h of this.handedAt) oldest = Math.min(oldest, h.at);
    return { sinceMs: Math.max(oldest, this.lastSettledAt), batchesInFlight: this.handedAt.size };
  }

  enqueue(record: PipelineRecord): void {
    let encoded: EncodedRecord;
    try {
      encoded = this.sink.encode(record);
    } catch (err) {
      const reason = err instanceof PermanentError ? err.message : `cannot encode: ${errorMessage(err)}`;
      void this.settle([{ item: { record, size: 0 }, reason }], []).catch(() => undefined); // rejects only on shutdown
      return;
    }
    this.batcher.push(encoded);
  }

  flush(): void {
    this.batcher.flush();
  }

  sendQueued(): void {
    this.batcher.sendQueued();
  }

  stop(): void {
    this.batcher.stop();
  }

  /** Drops what is queued and abandons what is in flight: the sink was detached. */
  abandon(): void {
    this.batcher.discard();
    this.stopping.abort();
  }

  private async dispatch(batch: EncodedRecord[]): Promise<void> {
    const started = process.hrtime.bigint();
    const end = this.observer.onBatchStart?.(this.sink.name, batch.length);
    const handed = { at: Date.now() };
    this.handedAt.add(handed);
    try {
      // send() retries transient failures itself; anything else escaping it is a bug in a
      // sink, and still no reason to drop data: log it and try the same batch again.
      const result = await retry(() => this.sink.send(batch, this.signal), {
        signal: this.signal,
        policy: { initialMs: 1000, maxMs: 30_000 },
        shouldRetry: (err) => !(err instanceof AbortedError),
        onRetry: (err) => {
          this.observer.onSendError?.(this.sink.name, errorMessage(err));
          this.logger.error('sink failed to send a batch; retrying it', {
            sink: this.sink.name,
            error: errorMessage(err),
          });
        },
      });
      const rejected = new Set(result.rejected.map((r) => r.item));
      const delivered = batch.filter((b) => !rejected.has(b));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      await this.settle(result.rejected, delivered, seconds);
      this.lastSettledAt = Date.now();
      end?.({ delivered: delivered.length, rejected: result.rejected.length });
    } catch (err) {
      end?.({ delivered: 0, rejected: 0, error: errorMessage(err) });
      // Only shutdown gets here: the batch stays unacknowledged and the next run resends it.
      if (!(err instanceof AbortedError) && !this.signal.aborted) {
        this.logger.error('unexpected error settling a batch', {
          sink: this.sink.name,
          error: errorMessage(err),
        });
      }
    } finally {
      this.handedAt.delete(handed);
    }
  }

  private async settle(
    rejected: readonly { item: EncodedRecord; reason: string }[],
    delivered: readonly EncodedRecord[],
    seconds = 0,
  ): Promise<void> {
    if (rejected.length > 0) {
      const entries = rejected.map((r) => ({ record: r.item.record, reason: r.reason }));
      await retry(() => this.deadLetter.write(this.sink.name, this.sink.type, entries), {
        signal: this.signal,
        policy: { initialMs: 1000, maxMs: 30_000 },
        shouldRetry: (err) => !(err instanceof AbortedError),
        onRetry: (err) =>
          this.logger.error('cannot write the dead-letter file; retrying', {
            path: this.deadLetter.path,
            error: errorMessage(err),
          }),
      }).catch((err: unknown) => {
        if (err instanceof AbortedError) return Promise.reject(err);
        throw err;
      });
      for (const r of rejected) {
        this.logger.warn('activity dead-lettered', {
          sink: this.sink.name,
          activity_id: r.item.record.activity.id,
          reason: r.reason,
        });
        this.observer.onDeadLettered?.(this.sink.name, r.reason, 1);
      }
    }
    if (delivered.length > 0) this.observer.onDelivered?.(this.sink.name, delivered.length, seconds);
    this.tracker.ack(delivered, this.bit);
    this.tracker.ack(
      rejected.map((r) => r.item),
      this.bit,
    );
  }
}
