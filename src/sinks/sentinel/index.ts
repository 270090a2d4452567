import { defineSink } from '../factory';
import type { SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import type { Logger } from '../../observability/logger';
import { backoffPolicy, batchLimits } from '../../config/fields';
import { errorMessage } from '../../util/errors';
import { buildTlsOptions } from '../../util/tls';
import { HealthTracker } from '../runtime/health';
import { SinkStats } from '../runtime/stats';
import { IngestionClient } from './client';
import { SentinelRefusedError, classifyTokenFailure } from './refusal';
import { encodeRow, type SentinelRow } from './encode';
import type { EntraTransport } from './entra-transport';
import { SentinelSender } from './send';
import { TokenSource } from './token';
import {
  monitorAudience,
  resolvedCredential,
  sentinelPlaintextPath,
  sentinelSinkConfig,
  type SentinelSinkConfig,
} from './config';

/**
 * @azure/identity and @azure/core-rest-pipeline are loaded when a Sentinel sink is built,
 * not when the registry is: a forwarder without one does not carry them (about 35 MB of
 * resident memory, 12 MB of heap).
 */
function loadAzure(): {
  readonly EntraTransport: typeof import('./entra-transport').EntraTransport;
  readonly buildCredential: typeof import('./credential').buildCredential;
} {
  return {
    EntraTransport: (require('./entra-transport') as typeof import('./entra-transport')).EntraTransport,
    buildCredential: (require('./credential') as typeof import('./credential')).buildCredential,
  };
}

export { sentinelSinkConfig, type SentinelSinkConfig } from './config';
export type { SentinelRow } from './encode';

export interface SentinelSinkOptions {
  /** Jitter source for backoff (tests make it deterministic). */
  readonly random?: () => number;
}

/**
 * The `sentinel` sink: Microsoft Sentinel through the Azure Monitor Logs Ingestion API. Rows
 * of the DCR stream (encode.ts), gzip JSON arrays below 1 MB, a bearer token from
 * @azure/identity (token.ts). The REST call goes through our own HTTP client rather than
 * @azure/monitor-ingestion, whose upload() retries, splits and runs chunks concurrently on
 * its own: a batch here maps to exactly one call, retried by util/retry and visible in health.
 */
export class SentinelSink implements Sink<SentinelRow> {
  readonly type = 'sentinel';
  readonly batch;
  readonly stats = new SinkStats();
  private readonly logger: Logger;
  private readonly transport: EntraTransport;
  private readonly tokens: TokenSource;
  private readonly client: IngestionClient;
  private readonly sender: SentinelSender;
  private readonly healthTracker: HealthTracker;
  private readonly fieldPath: string;

  constructor(
    readonly name: string,
    private readonly config: SentinelSinkConfig,
    ctx: SinkContext,
    options: SentinelSinkOptions = {},
  ) {
    this.batch = batchLimits(config.batch);
    const fieldPath = `sinks.${name}`;
    this.fieldPath = fieldPath;
    this.logger = ctx.logger.child({ sink: name, component: 'sentinel' });
    const tls = buildTlsOptions(config.tls, {
      fieldPath: `${fieldPath}.tls`,
      component: `sinks.${name}`,
      logger: ctx.logger,
      baseDir: ctx.baseDir,
    });
    const { EntraTransport, buildCredential } = loadAzure();
    this.transport = new EntraTransport({
      fieldPath,
      timeoutMs: config.request_timeout,
      tls,
      proxy: config.proxy,
      logger: this.logger,
    });
    this.tokens = new TokenSource(
      () => buildCredential(config, this.transport, ctx.baseDir),
      `${monitorAudience(config)}/.default`,
      (err) => classifyTokenFailure(err, this.transport.lastFailure, fieldPath),
    );
    this.client = new IngestionClient({
      endpoint: config.endpoint,
      dcrImmutableId: config.dcr_immutable_id,
      stream: config.stream,
      requestTimeoutMs: config.request_timeout,
      userAgent: `claude-audit-forwarder/${ctx.version}`,
      tls,
      fieldPath,
      proxy: config.proxy,
      logger: this.logger,
    });
    this.healthTracker = new HealthTracker(this.logger, 'Microsoft Sentinel');
    this.sender = new SentinelSender({
      client: this.client,
      tokens: this.tokens,
      policy: backoffPolicy(config.retry),
      fieldPath,
      health: this.healthTracker,
      logger: this.logger,
      stats: this.stats,
      random: options.random,
    });
  }

  /** Gets a token, so that a wrong tenant, client, secret or authority stops the start in plain words. */
  async start(signal: AbortSignal): Promise<void> {
    try {
      await this.tokens.get(signal);
    } catch (err) {
      throw new Error(
        err instanceof SentinelRefusedError
          ? err.message
          : `${errorMessage(err)}; check ${this.fieldPath}.authority_host and that this host can reach it`,
        { cause: err },
      );
    }
    this.logger.info('Microsoft Entra ID issued a token for Azure Logs Ingestion', {
      endpoint: this.config.endpoint,
      stream: this.config.stream,
      credential: resolvedCredential(this.config),
    });
  }

  encode(record: PipelineRecord): SentinelRow {
    return encodeRow(record);
  }

  async send(batch: readonly SentinelRow[], signal: AbortSignal): Promise<SendResult<SentinelRow>> {
    return { rejected: await this.sender.deliver(batch, signal) };
  }

  health(): SinkHealth {
    return this.healthTracker.get();
  }

  close(): Promise<void> {
    this.client.close();
    this.transport.close();
    return Promise.resolve();
  }
}

export const sentinelSinkFactory = defineSink({
  type: 'sentinel',
  configSchema: sentinelSinkConfig,
  create: (name, config, ctx: SinkContext) => new SentinelSink(name, config, ctx),
  plaintext: sentinelPlaintextPath,
  preview: () => ({ format: 'sentinel', render: (record) => encodeRow(record).text }),
});
