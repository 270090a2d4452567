import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Logger } from '../../observability/logger';
import type { Rejection } from '../sink';
import { AuthError, RetryableError, errorMessage } from '../../util/errors';
import type { BackoffPolicy } from '../../util/retry';
import { retryRequest } from '../runtime/retry-request';
import type { HealthTracker } from '../runtime/health';
import { halveRefused } from '../runtime/halve';
import type { SinkStats } from '../runtime/stats';
import type { SearchClient } from './client';
import type { BulkDocument } from './encode';
import { classifyItem, describeError, parseBulkItems, refusesParameter, type ItemVerdict } from './protocol';

const gzip = promisify(gzipCallback);

/** The sink's own counters, beside the shared ones in SinkStats. */
export interface BulkStats {
  stored: number;
  /** Items answered 409: stored by an earlier attempt (a resend after a lost reply or a crash). */
  duplicates: number;
  /** Items sent again alone after a partial failure (429, 5xx). */
  itemRetries: number;
  rejected: number;
  splits: number;
}

export function emptyBulkStats(): BulkStats {
  return { stored: 0, duplicates: 0, itemRetries: 0, rejected: 0, splits: 0 };
}

export interface BulkSenderOptions {
  readonly client: SearchClient;
  readonly compress: boolean;
  readonly policy: BackoffPolicy;
  readonly health: HealthTracker;
  readonly logger: Logger;
  readonly stats: SinkStats;
  readonly details: BulkStats;
  /** `sinks.<name>`, for advice in messages. */
  readonly fieldPath: string;
  readonly pipeline?: string;
  readonly random?: () => number;
}

const SOURCE_PARAMETER = 'include_source_on_error';

/** The request was over the engine's http.max_content_length: split it. */
class TooLarge {
  constructor(readonly detail: string) {}
}

/**
 * Gets one batch into the engine with `_bulk`: the whole request is retried on transport
 * failures, 429 and 5xx; after a reply, only the items that failed transiently are sent
 * again; items the engine can never map are dead-lettered with its reason; refusals
 * (credentials, privileges, a missing index) keep every event and retry slowly with the
 * sink unhealthy; a request over the size limit is split (runtime/halve.ts).
 */
export class BulkSender {
  /** Asks the engine not to echo refused documents into its replies (ES 8.18+ only). */
  private sendSourceParameter = false;

  constructor(private readonly opts: BulkSenderOptions) {}

  /** Set once the engine is known (start-up): Elasticsearch takes the parameter, OpenSearch refuses it. */
  omitSourceOnError(on: boolean): void {
    this.sendSourceParameter = on;
  }

  async deliver(batch: readonly BulkDocument[], signal: AbortSignal): Promise<Rejection<BulkDocument>[]> {
    const rejected: Rejection<BulkDocument>[] = [];
    await this.deliverSlice(batch, rejected, signal);
    this.opts.details.rejected += rejected.length;
    return rejected;
  }

  private async deliverSlice(
    slice: readonly BulkDocument[],
    rejected: Rejection<BulkDocument>[],
    signal: AbortSignal,
  ): Promise<void> {
    let pending = slice;
    const outcome = await retryRequest(
      async () => {
        const result = await this.postOnce(pending, rejected, signal);
        if (result instanceof TooLarge) return result;
        // Keep the progress: the next attempt sends only what is left.
        pending = result.left;
        if (result.error) throw result.error;
        return undefined;
      },
      {
        signal,
        policy: this.opts.policy,
        random: this.opts.random,
        stats: this.opts.stats,
        health: this.opts.health,
        onRetry: (err, attempt, delayMs) => {
          const level = err instanceof AuthError || (attempt !== 1 && attempt % 10 !== 0) ? 'debug' : 'warn';
          this.opts.logger[level]('Elasticsearch bulk request not fully stored; will retry what is left', {
            attempt,
            delay_ms: delayMs,
            events: pending.length,
            error: errorMessage(err),
          });
        },
      },
    );
    if (!(outcome instanceof TooLarge)) return;
    await halveRefused(pending, {
      deliver: (half) => this.deliverSlice(half, rejected, signal),
      alone: (item) => {
        const reason = `the document alone is larger than Elasticsearch accepts (${outcome.detail}, ${item.size} bytes); raise http.max_content_length on the nodes to carry it`;
        rejected.push({ item, reason });
        this.opts.logger.warn('Elasticsearch refused a document as too large; dead-lettering it', {
          event_id: item.record.activity.id,
          reason,
        });
      },
      onSplit: (events) => {
        this.opts.details.splits++;
        this.opts.logger.debug('splitting a bulk request Elasticsearch found too large', { events });
      },
    });
  }

  private path(): string {
    const params: string[] = [];
    if (this.sendSourceParameter) params.push(`${SOURCE_PARAMETER}=false`);
    if (this.opts.pipeline !== undefined) params.push(`pipeline=${encodeURIComponent(this.opts.pipeline)}`);
    return params.length > 0 ? `/_bulk?${params.join('&')}` : '/_bulk';
  }

  /**
   * One `_bulk` request for `docs`. Returns TooLarge, or what is left to send and why
   * (for the retry loop); throws when the request got no usable answer.
   */
  private async postOnce(
    docs: readonly BulkDocument[],
    rejected: Rejection<BulkDocument>[],
    signal: AbortSignal,
  ): Promise<{ readonly left: readonly BulkDocument[]; readonly error?: Error } | TooLarge> {
    const plain = Buffer.from(docs.map((d) => d.text).join(''));
    const body = this.opts.compress ? await gzip(plain) : plain;
    const headers: Record<string, string> = { 'Content-Type': 'application/x-ndjson' };
    if (this.opts.compress) headers['Content-Encoding'] = 'gzip';
    let reply;
    try {
      reply = await this.opts.client.request('POST', this.path(), body, headers, signal);
    } catch (err) {
      this.opts.stats.request('retried');
      throw err;
    }
    this.opts.stats.sent(body.length);
    const text = reply.body.toString('utf8');
    const where = `Elasticsearch at ${reply.endpoint}`;
    if (reply.status === 413) {
      this.opts.stats.request('rejected');
      return new TooLarge(describeError(reply.status, text));
    }
    if (reply.status !== 200) {
      this.opts.stats.request('retried');
      throw this.requestError(reply.status, text, reply.header('retry-after'), where);
    }
    const items = parseBulkItems(text, docs.length);
    if (!items) {
      this.opts.stats.request('retried');
      throw new RetryableError(`${where} answered 200 with no bulk reply for ${docs.length} items`);
    }
    const verdicts = this.sameConfigError(items.map(classifyItem));
    const left: BulkDocument[] = [];
    let refusal: string | undefined;
    let transient: string | undefined;
    let rejectedHere = 0;
    verdicts.forEach((verdict, i) => {
      const doc = docs[i];
      switch (verdict.kind) {
        case 'stored':
          this.opts.details.stored++;
          if (verdict.duplicate) this.opts.details.duplicates++;
          return;
        case 'rejected':
          rejectedHere++;
          rejected.push({ item: doc, reason: verdict.reason });
          this.opts.logger.warn('Elasticsearch refused a document; dead-lettering it', {
            event_id: doc.record.activity.id,
            reason: verdict.reason,
          });
          return;
        case 'refused':
          refusal ??= verdict.reason;
          left.push(doc);
          return;
        case 'retry':
          transient ??= verdict.reason;
          left.push(doc);
      }
    });
    this.opts.stats.request(rejectedHere > 0 ? 'rejected' : left.length > 0 ? 'retried' : 'ok');
    if (left.length === 0) {
      this.opts.health.ok();
      return { left };
    }
    this.opts.details.itemRetries += left.length;
    const counts = `${left.length} of ${docs.length} documents`;
    if (refusal !== undefined)
      return {
        left,
        error: new AuthError(
          `${where} refused ${counts} (${refusal}); check the index name and the privileges of the credential in ${this.opts.fieldPath}`,
        ),
      };
    return { left, error: new RetryableError(`${where} could not store ${counts} yet (${transient})`) };
  }

  /**
   * Every item refused with the same illegal_argument_exception is the configuration's
   * fault (an `index` op into a data stream, a field limit), not each document's.
   */
  private sameConfigError(verdicts: ItemVerdict[]): ItemVerdict[] {
    if (verdicts.length < 2) return verdicts;
    const first = verdicts[0];
    if (first.kind !== 'rejected' || !first.reason.includes('illegal_argument_exception')) return verdicts;
    if (!verdicts.every((v) => v.kind === 'rejected' && v.reason === first.reason)) return verdicts;
    return verdicts.map(() => ({ kind: 'refused', reason: first.reason }));
  }

  private requestError(status: number, text: string, retryAfter: string | undefined, where: string): Error {
    const detail = describeError(status, text);
    if (refusesParameter(status, text, SOURCE_PARAMETER)) {
      this.sendSourceParameter = false;
      return new RetryableError(`${where} does not know ${SOURCE_PARAMETER}; sending without it`, 0);
    }
    if (status === 401)
      return new AuthError(
        `${where} refuses the credentials (${detail}); check api_key or username/password in ${this.opts.fieldPath}`,
      );
    if (status === 403)
      return new AuthError(
        `${where} denies the request (${detail}); the credential in ${this.opts.fieldPath} needs the create_doc (and auto_configure) privilege on the index`,
      );
    if (status === 429 || status >= 500) {
      const seconds = retryAfter !== undefined ? Number(retryAfter) : Number.NaN;
      return new RetryableError(
        `${where} answered ${detail}`,
        Number.isFinite(seconds) ? seconds * 1000 : undefined,
      );
    }
    return new AuthError(
      `${where} refused the bulk request (${detail}); check ${this.opts.fieldPath}.endpoints and ${this.opts.fieldPath}.index`,
    );
  }
}
