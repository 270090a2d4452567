import type { Logger } from '../../observability/logger';
import { AuthError, RetryableError, errorMessage } from '../../util/errors';
import type { BackoffPolicy } from '../../util/retry';
import { retryRequest } from '../runtime/retry-request';
import { OneAtATime } from '../../util/one-at-a-time';
import type { Rejection, SendResult } from '../sink';
import { ProducerStateError, RecordsRefusedError, type KafkaClient } from './client';
import type { KafkaRecord } from './encode';
import type { HealthTracker } from '../runtime/health';
import { halveRefused } from '../runtime/halve';
import type { SinkStats } from '../runtime/stats';
import { untilAborted } from './abort';

/** Kafka's own counters, beside the shared ones (requests, bytes, retries) in SinkStats. */
export interface KafkaSinkStats {
  batches: number;
  messages: number;
  /** Records the broker refused for good (dead-lettered by the pipeline). */
  rejected: number;
  /** Times a refused request was halved to find the refused record. */
  splits: number;
  /** New producer sessions after the idempotent producer fell out of step. */
  producerResets: number;
}

export interface KafkaServiceOptions {
  readonly sinkName: string;
  /** The idempotent producer: one batch in flight at a time (see config.ts), sequence care. */
  readonly idempotent: boolean;
  readonly policy: BackoffPolicy;
  readonly logger: Logger;
  /** The counters every sink keeps (runtime/stats.ts). */
  readonly stats: SinkStats;
}

/**
 * Gets batches durably accepted: retries transient failures forever (until shutdown),
 * replaces the producer session when the broker says it is out of step, and when the broker
 * refuses the data itself halves the batch until the refused record stands alone, so one
 * oversized event never holds back the rest.
 *
 * Duplicates are possible (at-least-once): when a request that spanned several partitions
 * failed after some of them were written, the retry writes those again. The message key
 * (activity id) lets consumers drop them.
 */
export class KafkaService {
  readonly stats: KafkaSinkStats = { batches: 0, messages: 0, rejected: 0, splits: 0, producerResets: 0 };
  /** Batches go one at a time when the producer is idempotent. */
  private readonly sends = new OneAtATime();
  /** Why the next attempt must start a new producer session, if it must. */
  private resetBecause?: string;

  constructor(
    private readonly client: KafkaClient,
    private readonly health: HealthTracker,
    private readonly opts: KafkaServiceOptions,
  ) {}

  send(batch: readonly KafkaRecord[], signal: AbortSignal): Promise<SendResult<KafkaRecord>> {
    if (!this.opts.idempotent) return this.deliverBatch(batch, signal);
    // A retried batch must not be overtaken: kafkajs rewinds sequence numbers on failure, and
    // a different batch sent under them could be taken by the broker for a duplicate.
    return this.sends.run(() => this.deliverBatch(batch, signal));
  }

  private async deliverBatch(
    batch: readonly KafkaRecord[],
    signal: AbortSignal,
  ): Promise<SendResult<KafkaRecord>> {
    const rejected: Rejection<KafkaRecord>[] = [];
    await this.deliver(batch, signal, rejected);
    this.stats.batches++;
    this.stats.messages += batch.length - rejected.length;
    return { rejected };
  }

  private async deliver(
    items: readonly KafkaRecord[],
    signal: AbortSignal,
    rejected: Rejection<KafkaRecord>[],
  ): Promise<void> {
    if (items.length === 0) return;
    try {
      await retryRequest(() => this.attempt(items, signal), {
        signal,
        policy: this.opts.policy,
        stats: this.opts.stats,
        health: this.health,
        shouldRetry: (err) => err instanceof RetryableError || err instanceof AuthError,
        onRetry: (err, attempt, delayMs) => {
          if (err instanceof ProducerStateError)
            this.resetBecause = 'the broker reported the producer out of step';
          this.opts.logger.debug('kafka produce failed; retrying', {
            sink: this.opts.sinkName,
            attempt,
            delay_ms: delayMs,
            messages: items.length,
            error: errorMessage(err),
          });
        },
      });
    } catch (err) {
      if (!(err instanceof RecordsRefusedError)) throw err;
      // The broker answered, so it is reachable and willing: the problem is the data.
      this.health.ok();
      await halveRefused(items, {
        deliver: (half) => this.deliver(half, signal, rejected),
        alone: (item) => {
          this.stats.rejected++;
          rejected.push({ item, reason: `kafka refused the record: ${err.message}` });
        },
        onSplit: () => {
          this.stats.splits++;
          // The refused request may have been written for its other partitions, after which
          // kafkajs rewinds the sequence numbers of every partition in it. Sending different
          // records under those numbers could make the broker take a new batch for a duplicate
          // of the written one and drop it; a new producer session (new id, fresh sequences)
          // turns that into, at worst, a duplicate.
          if (this.opts.idempotent) this.resetBecause = 'a refused request';
        },
      });
    }
  }

  private async attempt(items: readonly KafkaRecord[], signal: AbortSignal): Promise<void> {
    if (this.resetBecause) {
      await untilAborted(this.client.resetProducer(), signal);
      this.stats.producerResets++;
      this.opts.logger.info('kafka producer session replaced', {
        sink: this.opts.sinkName,
        because: this.resetBecause,
      });
      this.resetBecause = undefined;
    }
    try {
      await untilAborted(this.client.produce(items.map((i) => i.message)), signal);
    } catch (err) {
      if (err instanceof RecordsRefusedError) this.opts.stats.request('rejected');
      else if (err instanceof RetryableError || err instanceof AuthError) this.opts.stats.request('retried');
      throw err;
    }
    this.opts.stats.request('ok');
    this.opts.stats.sent(items.reduce((n, i) => n + i.size, 0));
    this.health.ok();
  }
}
