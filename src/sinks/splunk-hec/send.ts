import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from '../../observability/logger';
import type { Rejection } from '../sink';
import { errorMessage } from '../../util/errors';
import type { BackoffPolicy } from '../../util/retry';
import { retryRequest } from '../runtime/retry-request';
import type { HecClient } from './client';
import type { HecEvent } from './encode';
import type { AckResult, IndexerAcknowledgements, PostTicket } from './acknowledgements';
import { HecRefusedError, classifyEventReply, type AdviceContext, type EventOutcome } from './protocol';
import type { HealthTracker } from '../runtime/health';
import { halveRefused } from '../runtime/halve';
import type { RequestOutcome, SinkStats } from '../runtime/stats';

const gzip = promisify(gzipCallback);

/** HEC's own counters, beside the shared ones (requests, bytes, retries) in SinkStats. */
export interface HecSendStats {
  eventsAccepted: number;
  rejected: number;
  splits: number;
  partialBatches: number;
  ackResends: number;
  nearCapacity: number;
  acceptedWithoutAck: number;
}

export function emptySendStats(): HecSendStats {
  return {
    eventsAccepted: 0,
    rejected: 0,
    splits: 0,
    partialBatches: 0,
    ackResends: 0,
    nearCapacity: 0,
    acceptedWithoutAck: 0,
  };
}

export interface HecSenderOptions {
  readonly client: HecClient;
  /** Present when indexer_acknowledgements is on. */
  readonly acks?: IndexerAcknowledgements;
  /** The channel used when acks are off (sent anyway: one UUID per sink instance). */
  readonly channel: string;
  readonly compress: boolean;
  readonly policy: BackoffPolicy;
  readonly advice: AdviceContext;
  readonly health: HealthTracker;
  readonly logger: Logger;
  readonly stats: SinkStats;
  readonly details: HecSendStats;
  readonly random?: () => number;
}

interface Attempt {
  readonly outcome: EventOutcome;
  /** Settles when the batch's ack does (acks on and an ackId was given). */
  readonly ack?: Promise<AckResult>;
}

/** How a request HEC answered counts in sink_requests_total (runtime/stats.ts). */
function requestOutcome(outcome: EventOutcome): RequestOutcome {
  switch (outcome.kind) {
    case 'accepted':
      return 'ok';
    // The events before the refusal are indexed; the rest is sent again.
    case 'prefix_indexed':
      return 'retried';
    case 'invalid_event':
    case 'too_large':
    case 'bad_data':
      return 'rejected';
  }
}

/**
 * Gets one batch into Splunk following the HEC code table exactly: transient failures are
 * retried as they are, 413 splits the batch, a bad event is dead-lettered and only the
 * events after it are resent (the ones before it are already indexed), and with indexer
 * acknowledgements a batch is done only when its ack says true.
 */
export class HecSender {
  private warnedNoAckId = false;

  constructor(private readonly opts: HecSenderOptions) {}

  async deliver(batch: readonly HecEvent[], signal: AbortSignal): Promise<Rejection<HecEvent>[]> {
    const rejected: Rejection<HecEvent>[] = [];
    await this.deliverSlice(batch, rejected, signal);
    this.opts.details.rejected += rejected.length;
    return rejected;
  }

  private async deliverSlice(
    slice: readonly HecEvent[],
    rejected: Rejection<HecEvent>[],
    signal: AbortSignal,
  ): Promise<void> {
    let rest = slice;
    while (rest.length > 0) {
      const body = await this.body(rest);
      const release = this.opts.acks ? await this.opts.acks.acquireSlot(signal) : undefined;
      let outcome: EventOutcome;
      try {
        const attempt = await this.postWithRetry(rest, body, signal);
        outcome = attempt.outcome;
        if (outcome.kind === 'accepted') {
          const result = attempt.ack ? await attempt.ack : 'acked';
          if (result === 'acked') {
            this.opts.details.eventsAccepted += rest.length;
            return;
          }
          this.opts.details.ackResends++;
          this.opts.logger.warn(
            result === 'expired'
              ? 'Splunk HEC did not acknowledge a batch within ack.timeout; resending it (its events may be indexed twice)'
              : 'resending a batch whose indexer ack Splunk lost (its events may be indexed twice)',
            { events: rest.length, first_event_id: rest[0].record.activity.id },
          );
          continue;
        }
      } finally {
        release?.();
      }
      rest = await this.handleRefusedPart(outcome, rest, rejected, signal);
    }
  }

  /** Deals with a batch HEC did not take whole; returns what still has to be sent. */
  private async handleRefusedPart(
    outcome: Exclude<EventOutcome, { kind: 'accepted' }>,
    rest: readonly HecEvent[],
    rejected: Rejection<HecEvent>[],
    signal: AbortSignal,
  ): Promise<readonly HecEvent[]> {
    switch (outcome.kind) {
      case 'invalid_event': {
        // Events before the bad one are indexed (no ack id covers them: HEC's word is all there is).
        this.opts.details.partialBatches++;
        this.opts.details.eventsAccepted += outcome.index;
        const bad = rest[outcome.index];
        rejected.push({ item: bad, reason: `Splunk HEC refused the event: ${outcome.detail}` });
        this.opts.logger.warn(
          'Splunk HEC refused one event of a batch; dead-lettering it and resending the events after it',
          {
            event_id: bad.record.activity.id,
            indexed_before_it: outcome.index,
            to_resend: rest.length - outcome.index - 1,
            reply: outcome.detail,
          },
        );
        return rest.slice(outcome.index + 1);
      }
      case 'prefix_indexed':
        this.opts.details.partialBatches++;
        this.opts.details.eventsAccepted += outcome.index;
        return rest.slice(outcome.index);
      case 'too_large':
      case 'bad_data': {
        await halveRefused(rest, {
          deliver: (half) => this.deliverSlice(half, rejected, signal),
          alone: (item) => {
            const reason =
              outcome.kind === 'too_large'
                ? `the event alone is larger than Splunk HEC accepts (${outcome.detail}, ${item.size} bytes); raise max_content_length in Splunk's limits.conf [http_input] to carry it`
                : `Splunk HEC refused the event: ${outcome.detail}`;
            rejected.push({ item, reason });
            this.opts.logger.warn('Splunk HEC refused an event; dead-lettering it', {
              event_id: item.record.activity.id,
              reason,
            });
          },
          onSplit: (events) => {
            this.opts.details.splits++;
            this.opts.logger.debug('splitting a batch Splunk HEC refused whole', {
              events,
              reply: outcome.detail,
            });
          },
        });
        return [];
      }
    }
  }

  private async body(events: readonly HecEvent[]): Promise<Buffer> {
    const plain = Buffer.from(events.map((e) => e.text).join(''));
    return this.opts.compress ? gzip(plain) : plain;
  }

  private postWithRetry(events: readonly HecEvent[], body: Buffer, signal: AbortSignal): Promise<Attempt> {
    return retryRequest(() => this.postOnce(events, body, signal), {
      signal,
      policy: this.opts.policy,
      random: this.opts.random,
      stats: this.opts.stats,
      health: this.opts.health,
      isAuth: (err) => err instanceof HecRefusedError,
      onRetry: (err, attempt, delayMs) => {
        if (err instanceof HecRefusedError) {
          this.opts.logger.debug('Splunk HEC refuses us; retrying slowly', { attempt, delay_ms: delayMs });
          return;
        }
        // First failure and then every tenth: a long outage must not flood the log.
        const level = attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug';
        this.opts.logger[level]('Splunk HEC send failed; will retry the same batch', {
          attempt,
          delay_ms: delayMs,
          events: events.length,
          error: errorMessage(err),
        });
      },
    });
  }

  private async postOnce(events: readonly HecEvent[], body: Buffer, signal: AbortSignal): Promise<Attempt> {
    const acks = this.opts.acks;
    const ticket: PostTicket | undefined = acks?.beginPost();
    let response;
    try {
      response = await this.opts.client.postEvents(
        ticket?.channel ?? this.opts.channel,
        body,
        this.opts.compress,
        signal,
      );
    } catch (err) {
      ticket?.unanswered();
      this.opts.stats.request('retried');
      throw err;
    }
    try {
      this.opts.stats.sent(body.length);
      let outcome: EventOutcome;
      try {
        outcome = classifyEventReply(
          response.status,
          response.reply,
          response,
          events.length,
          this.opts.advice,
        );
      } catch (err) {
        this.opts.stats.request('retried');
        throw err;
      }
      this.opts.stats.request(requestOutcome(outcome));
      this.opts.health.ok();
      if (outcome.kind !== 'accepted') return { outcome };
      if (outcome.nearCapacity) this.opts.details.nearCapacity++;
      if (!acks || !ticket) return { outcome };
      if (outcome.ackId === undefined) {
        this.noAckId();
        return { outcome };
      }
      return { outcome, ack: acks.register(ticket, outcome.ackId, signal) };
    } finally {
      ticket?.answered();
    }
  }

  /**
   * Acks are on but Splunk gave no ackId: the token has acknowledgement turned off. The
   * events are indexed (HTTP 200), so resending would only duplicate them; say it once.
   */
  private noAckId(): void {
    this.opts.details.acceptedWithoutAck++;
    if (this.warnedNoAckId) return;
    this.warnedNoAckId = true;
    this.opts.logger.warn(
      `Splunk HEC accepted a batch without an ackId: indexer acknowledgement is off for this token; batches count as delivered on HTTP 200. ` +
        `Turn acknowledgement on for the token, or set ${this.opts.advice.fieldPath}.indexer_acknowledgements: false`,
    );
  }
}
