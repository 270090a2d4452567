import { randomUUID } from 'node:crypto';
import { defineSink } from '../factory';
import type { SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import type { Logger } from '../../observability/logger';
import { backoffPolicy, batchLimits } from '../../config/fields';
import { buildTlsOptions } from '../../util/tls';
import { HecClient } from './client';
import { encodeEnvelope, type EnvelopeOptions, type HecEvent } from './encode';
import { IndexerAcknowledgements } from './acknowledgements';
import { HecSender, emptySendStats } from './send';
import { HealthTracker } from '../runtime/health';
import { SinkStats } from '../runtime/stats';
import { checkHec } from './healthcheck';
import { classifyAckReply, type AdviceContext } from './protocol';
import { hecPlaintextPath, splunkHecSinkConfig, type SplunkHecSinkConfig } from './config';

export type { HecEvent } from './encode';
export { splunkHecSinkConfig, type SplunkHecSinkConfig } from './config';

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
  readonly stats = new SinkStats();
  /** HEC's own counters (splits, partial batches, ack resends), beside the shared `stats`. */
  readonly details = emptySendStats();
  private readonly logger: Logger;
  private readonly client: HecClient;
  private readonly acks?: IndexerAcknowledgements;
  private readonly sender: HecSender;
  private readonly healthTracker: HealthTracker;
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
        ? buildTlsOptions(config.tls, {
            fieldPath: `${fieldPath}.tls`,
            component: `sinks.${name}`,
            logger: ctx.logger,
            baseDir: ctx.baseDir,
          })
        : undefined,
      fieldPath,
      proxy: config.proxy,
      logger: this.logger,
    });
    this.healthTracker = new HealthTracker(this.logger, 'Splunk HEC');
    if (config.indexer_acknowledgements) {
      this.acks = new IndexerAcknowledgements(
        async (channel, ids, signal) => {
          const res = await this.client.queryAcks(channel, ids, signal);
          return classifyAckReply(res.status, res.reply, res, this.advice);
        },
        {
          pollIntervalMs: config.ack.poll_interval,
          timeoutMs: config.ack.timeout,
          maxPending: config.ack.max_pending,
        },
        {
          onAnswered: () => this.healthTracker.ok(),
          onRefused: (err) => this.healthTracker.failing(err.message, { auth: true }),
          onFailed: (err) => this.healthTracker.failing(`indexer acknowledgements cannot be queried: ${err}`),
        },
        this.logger,
      );
    }
    this.sender = new HecSender({
      client: this.client,
      acks: this.acks,
      channel: this.channel,
      compress: config.compression === 'gzip',
      policy: backoffPolicy(config.retry),
      advice: this.advice,
      health: this.healthTracker,
      logger: this.logger,
      stats: this.stats,
      details: this.details,
      random: options.random,
    });
  }

  /** Indexer-ack counters (polls, acked, expired, channel resets), when acks are on. */
  get ackStats(): IndexerAcknowledgements['stats'] | undefined {
    return this.acks?.stats;
  }

  async start(signal: AbortSignal): Promise<void> {
    // Its errors say what is wrong; the pipeline names the sink (`sinks.<name> (splunk_hec): `).
    await checkHec(
      this.client,
      this.acks?.channel ?? this.channel,
      {
        acks: this.acks !== undefined,
        advice: this.advice,
        endpoint: this.config.endpoint,
        logger: this.logger,
      },
      signal,
    );
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
    return this.healthTracker.get();
  }

  close(): Promise<void> {
    this.acks?.close();
    this.client.close();
    return Promise.resolve();
  }
}

export const splunkHecSinkFactory = defineSink({
  type: 'splunk_hec',
  configSchema: splunkHecSinkConfig,
  create: (name, config, ctx: SinkContext) => new SplunkHecSink(name, config, ctx),
  plaintext: hecPlaintextPath,
});
