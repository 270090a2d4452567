import type { EncodedRecord, Sink } from '../sinks/sink';
import type { PipelineRecord } from './record';
import type { AckTracker } from './ack-tracker';
import type { DeadLetterFile } from './dead-letter';
import { Batcher } from './batcher';
import type { Logger } from '../observability/logger';
import { AbortedError, PermanentError, errorMessage } from '../util/errors';
import { retry } from '../util/retry';

export interface SinkObserver {
  onDelivered?(sink: string, count: number, seconds: number): void;
  onDeadLettered?(sink: string, reason: string, count: number): void;
  onSendError?(sink: string, error: string): void;
  /** A batch is handed to the sink; the returned function is told how it ended (traces). */
  onBatchStart?(sink: string, events: number): ((outcome: BatchOutcome) => void) | undefined;
}

export interface BatchOutcome {
  readonly delivered: number;
  readonly rejected: number;
  /** Set when the batch was abandoned (shutdown) or failed unexpectedly. */
  readonly error?: string;
}

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
  /** When the sink last finished with a record (or the worker started): the progress clock. */
  private lastProgressAt = Date.now();

  constructor(
    readonly sink: Sink,
    /** This sink's bit in the ack tracker's masks. */
    readonly bit: number,
    private readonly tracker: AckTracker,
    private readonly deadLetter: DeadLetterFile,
    private readonly logger: Logger,
    pipelineSignal: AbortSignal,
    private readonly observer: SinkObserver = {},
    /** Ids this sink already has (from its catch-up lane): acknowledged without sending. */
    private readonly alreadyHas?: ReadonlyMap<string, number>,
  ) {
    this.stopping = new AbortController();
    this.signal = AbortSignal.any([pipelineSignal, this.stopping.signal]);
    this.batcher = new Batcher(sink.batch, (batch) => this.dispatch(batch));
  }

  /** How long the sink has held records without finishing any; 0 when it holds none. */
  stalledForMs(now = Date.now()): number {
    return this.tracker.waitingFor(this.bit) === 0 ? 0 : now - this.lastProgressAt;
  }

  /** Records handed to this sink that it has not finished with. */
  get waiting(): number {
    return this.tracker.waitingFor(this.bit);
  }

  /** Whether a record goes to this sink at all (false: it already has it). */
  wants(record: PipelineRecord): boolean {
    return this.alreadyHas?.has(record.activity.id) !== true;
  }

  get queued(): number {
    return this.batcher.queued;
  }

  get batchesInFlight(): number {
    return this.batcher.batchesInFlight;
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
    this.lastProgressAt = Date.now();
    this.tracker.ack(delivered, this.bit);
    this.tracker.ack(
      rejected.map((r) => r.item),
      this.bit,
    );
  }
}
