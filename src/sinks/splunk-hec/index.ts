import { randomUUID } from 'node:crypto';
import { defineSink } from '../factory';
import type { SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import type { Logger } from '../../observability/logger';
import { batchLimits } from '../../config/fields';
import { buildTlsOptions } from '../../util/tls';
import { errorMessage } from '../../util/errors';
import { HecClient } from './client';
import { encodeEnvelope, type EnvelopeOptions, type HecEvent } from './encode';
import { IndexerAcknowledgements } from './acknowledgements';
import { HecSender, emptySendStats, type RefusalTracker } from './send';
import { checkHec } from './healthcheck';
import { classifyAckReply, type AdviceContext, type HecRefusedError } from './protocol';
import { hecPlaintextPath, splunkHecSinkConfig, type SplunkHecSinkConfig } from './config';

export type { HecEvent } from './encode';
export { splunkHecSinkConfig, type SplunkHecSinkConfig } from './config';

/**
 * Splunk refusing the token or configuration: readiness goes red with the reason, one
 * error line per change of state (not per retry), and nothing is dropped meanwhile.
 */
class Refusals implements RefusalTracker {
  private current?: HecRefusedError;

  constructor(private readonly logger: Logger) {}

  get detail(): string | undefined {
    return this.current?.message;
  }

  refused(err: HecRefusedError): void {
    if (this.current?.message === err.message) return;
    this.current = err;
    this.logger.error('Splunk HEC refuses delivery; holding every event (nothing is dropped or dead-lettered) and retrying slowly', {
      reason: err.reason,
      error: err.message,
    });
  }

  answered(): void {
    if (!this.current) return;
    this.current = undefined;
    this.logger.info('Splunk HEC accepts delivery again');
  }
}

export interface SplunkHecSinkOptions {
  /** Jitter source for backoff (tests make it deterministic). */
  readonly random?: () => number;
}

/**
 * The `splunk_hec` sink: envelopes to /services/collector/event, gzip, keep-alive, one
 * channel per sink instance, optional indexer acknowledgements. See send.ts for the
 * response handling and acknowledgements.ts for the ack flow.
 */
export class SplunkHecSink implements Sink<HecEvent> {
  readonly type = 'splunk_hec';
  readonly batch;
  /** Counters for metrics (exported by a later issue). */
  readonly stats = emptySendStats();
  private readonly logger: Logger;
  private readonly client: HecClient;
  private readonly acks?: IndexerAcknowledgements;
  private readonly sender: HecSender;
  private readonly refusals: Refusals;
  private readonly envelope: EnvelopeOptions;
  private readonly advice: AdviceContext;
  /** Used when acks are off; with acks the tracker owns the channel (it may renew it). */
  private readonly channel = randomUUID();

  constructor(
    readonly name: string,
    private readonly config: SplunkHecSinkConfig,
    ctx: SinkContext,
    options: SplunkHecSinkOptions = {},
  ) {
    this.batch = batchLimits(config.batch);
    const fieldPath = `sinks.${name}`;
    this.logger = ctx.logger.child({ sink: name, component: 'splunk_hec' });
    this.advice = { fieldPath, index: config.index };
    this.envelope = {
      format: config.format,
      host: config.host ?? ctx.hostname,
      sourcetype: config.sourcetype,
      source: config.source,
      index: config.index,
    };
    const secure = config.endpoint.startsWith('https:');
    this.client = new HecClient({
      endpoint: config.endpoint,
      token: config.token,
      requestTimeoutMs: config.request_timeout,
      userAgent: `claude-audit-forwarder/${ctx.version}`,
      tls: secure
        ? buildTlsOptions(config.tls, { fieldPath: `${fieldPath}.tls`, component: `sinks.${name}`, logger: ctx.logger, baseDir: ctx.baseDir })
        : undefined,
      fieldPath,
      proxy: config.proxy,
      logger: this.logger,
    });
    this.refusals = new Refusals(this.logger);
    if (config.indexer_acknowledgements) {
      this.acks = new IndexerAcknowledgements(
        async (channel, ids, signal) => {
          const res = await this.client.queryAcks(channel, ids, signal);
          return classifyAckReply(res.status, res.reply, res, this.advice);
        },
        { pollIntervalMs: config.ack.poll_interval, timeoutMs: config.ack.timeout, maxPending: config.ack.max_pending },
        { onAnswered: () => this.refusals.answered(), onRefused: (err) => this.refusals.refused(err) },
        this.logger,
      );
    }
    this.sender = new HecSender({
      client: this.client,
      acks: this.acks,
      channel: this.channel,
      compress: config.compression === 'gzip',
      policy: { initialMs: config.retry.initial_backoff, maxMs: config.retry.max_backoff },
      advice: this.advice,
      refusals: this.refusals,
      logger: this.logger,
      stats: this.stats,
      random: options.random,
    });
  }

  /** Indexer-ack counters (polls, acked, expired, channel resets), when acks are on. */
  get ackStats(): IndexerAcknowledgements['stats'] | undefined {
    return this.acks?.stats;
  }

  async start(signal: AbortSignal): Promise<void> {
    try {
      await checkHec(
        this.client,
        this.acks?.channel ?? this.channel,
        { acks: this.acks !== undefined, advice: this.advice, endpoint: this.config.endpoint, logger: this.logger },
        signal,
      );
    } catch (err) {
      throw new Error(`Splunk HEC sink "${this.name}": ${errorMessage(err)}`);
    }
    this.logger.info('Splunk HEC is reachable and accepts the token', {
      endpoint: this.config.endpoint,
      indexer_acknowledgements: this.acks !== undefined,
      compression: this.config.compression,
    });
  }

  encode(record: PipelineRecord): HecEvent {
    return encodeEnvelope(record, this.envelope);
  }

  async send(batch: readonly HecEvent[], signal: AbortSignal): Promise<SendResult<HecEvent>> {
    return { rejected: await this.sender.deliver(batch, signal) };
  }

  health(): SinkHealth {
    const detail = this.refusals.detail;
    return detail ? { healthy: false, detail } : { healthy: true };
  }

  async close(): Promise<void> {
    this.acks?.close();
    this.client.close();
  }
}

export const splunkHecSinkFactory = defineSink({
  type: 'splunk_hec',
  configSchema: splunkHecSinkConfig,
  create: (name, config, ctx: SinkContext) => new SplunkHecSink(name, config, ctx),
  plaintext: hecPlaintextPath,
});
