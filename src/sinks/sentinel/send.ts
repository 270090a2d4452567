import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from '../../observability/logger';
import type { Rejection } from '../sink';
import { errorMessage } from '../../util/errors';
import type { BackoffPolicy } from '../../util/retry';
import { retryRequest } from '../runtime/retry-request';
import { halveRefused } from '../runtime/halve';
import type { HealthTracker } from '../runtime/health';
import type { SinkStats } from '../runtime/stats';
import type { IngestionClient } from './client';
import { SentinelRefusedError } from './refusal';
import { arrayBody, type SentinelRow } from './encode';
import { classifyIngestionReply, type IngestionOutcome } from './protocol';
import type { TokenSource } from './token';

const gzip = promisify(gzipCallback);

export interface SentinelSenderOptions {
  readonly client: IngestionClient;
  readonly tokens: TokenSource;
  readonly policy: BackoffPolicy;
  readonly fieldPath: string;
  readonly health: HealthTracker;
  readonly logger: Logger;
  readonly stats: SinkStats;
  readonly random?: () => number;
}

type Refused = Exclude<IngestionOutcome, { kind: 'accepted' | 'token_refused' }>;

/**
 * Gets one batch into Logs Ingestion: 204 delivers it; 429/5xx/network are retried as they
 * are (Retry-After honoured); a 401 refreshes the token once, then counts as a refusal
 * (slow retry, readiness red, nothing dropped); 413 and a 400 about the data halve the
 * batch until the refused record stands alone and is dead-lettered.
 */
export class SentinelSender {
  constructor(private readonly opts: SentinelSenderOptions) {}

  async deliver(batch: readonly SentinelRow[], signal: AbortSignal): Promise<Rejection<SentinelRow>[]> {
    const rejected: Rejection<SentinelRow>[] = [];
    await this.deliverSlice(batch, rejected, signal);
    return rejected;
  }

  private async deliverSlice(
    rows: readonly SentinelRow[],
    rejected: Rejection<SentinelRow>[],
    signal: AbortSignal,
  ): Promise<void> {
    if (rows.length === 0) return;
    const body = await gzip(arrayBody(rows));
    const outcome = await retryRequest(() => this.postOnce(body, signal), {
      signal,
      policy: this.opts.policy,
      random: this.opts.random,
      stats: this.opts.stats,
      health: this.opts.health,
      onRetry: (err, attempt, delayMs) => {
        const level =
          err instanceof SentinelRefusedError || (attempt !== 1 && attempt % 10 !== 0) ? 'debug' : 'warn';
        this.opts.logger[level]('Sentinel upload failed; will retry the same batch', {
          attempt,
          delay_ms: delayMs,
          events: rows.length,
          error: errorMessage(err),
        });
      },
    });
    if (outcome.kind === 'accepted') return;
    await this.split(outcome, rows, rejected, signal);
  }

  private split(
    outcome: Refused,
    rows: readonly SentinelRow[],
    rejected: Rejection<SentinelRow>[],
    signal: AbortSignal,
  ): Promise<void> {
    return halveRefused(rows, {
      deliver: (half) => this.deliverSlice(half, rejected, signal),
      alone: (item) => {
        const reason =
          outcome.kind === 'too_large'
            ? `the row alone is larger than Azure Logs Ingestion accepts (${outcome.detail}, ${item.size} bytes)`
            : `Azure Logs Ingestion refused the record: ${outcome.detail}`;
        rejected.push({ item, reason });
        this.opts.logger.warn('Azure Logs Ingestion refused a record; dead-lettering it', {
          event_id: item.record.activity.id,
          reason,
        });
      },
      onSplit: (events) =>
        this.opts.logger.debug('splitting a batch Azure Logs Ingestion refused whole', {
          events,
          reply: outcome.detail,
        }),
    });
  }

  /** One upload; after a 401, one more with a fresh token before it counts as refused. */
  private async postOnce(
    body: Buffer,
    signal: AbortSignal,
  ): Promise<Exclude<IngestionOutcome, { kind: 'token_refused' }>> {
    for (let fresh = false; ; fresh = true) {
      const token = await this.opts.tokens.get(signal);
      const outcome = await this.uploadOnce(token, body, signal);
      if (outcome.kind !== 'token_refused') return outcome;
      this.opts.tokens.invalidate(token);
      if (fresh)
        throw new SentinelRefusedError(
          `Azure Logs Ingestion refused a freshly issued token (${outcome.detail}); check ${this.opts.fieldPath}.audience and authority_host (the token must be for the monitor audience of the endpoint's cloud)`,
        );
    }
  }

  private async uploadOnce(token: string, body: Buffer, signal: AbortSignal): Promise<IngestionOutcome> {
    let reply;
    try {
      reply = await this.opts.client.upload(token, body, signal);
    } catch (err) {
      this.opts.stats.request('retried');
      throw err;
    }
    this.opts.stats.sent(body.length);
    let outcome: IngestionOutcome;
    try {
      outcome = classifyIngestionReply(reply, this.opts.fieldPath);
    } catch (err) {
      this.opts.stats.request('retried');
      throw err;
    }
    if (outcome.kind === 'token_refused') {
      this.opts.stats.request('retried');
      return outcome;
    }
    this.opts.stats.request(outcome.kind === 'accepted' ? 'ok' : 'rejected');
    this.opts.health.ok();
    return outcome;
  }
}
