import type { S3Client } from '@aws-sdk/client-s3';
import { defineSink } from '../factory';
import type { SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import { serializeEvent } from '../../normalize';
import { backoffPolicy, batchLimits } from '../../config/fields';
import { AuthError, errorMessage } from '../../util/errors';
import { buildTlsOptions } from '../../util/tls';
import { HealthTracker } from '../runtime/health';
import { retryRequest } from '../runtime/retry-request';
import { SinkStats } from '../runtime/stats';
import { s3PlaintextPath, s3SinkConfig, type S3SinkConfig } from './config';
import { jsonlGz } from './jsonl-gz';
import { planObjects, type PlannedObject, type S3Record } from './objects';
import { loadParquetEncoder, parquetRow, type ParquetEncoder } from './parquet';
import type { S3Put } from './put';

/**
 * The AWS SDK is loaded when an S3 sink is built, not when the registry is: a forwarder
 * without one does not carry it (about 30 MB of resident memory, 10 MB of heap).
 */
function loadAwsSdk(): {
  readonly buildS3Client: typeof import('./client').buildS3Client;
  readonly S3Put: typeof import('./put').S3Put;
} {
  return {
    buildS3Client: (require('./client') as typeof import('./client')).buildS3Client,
    S3Put: (require('./put') as typeof import('./put')).S3Put,
  };
}

/**
 * A batch becomes one object per partition it touches (usually one), PUT whole with its
 * checksum; the batch is acknowledged when every object is stored. Objects of a batch go
 * one after the other, each retried on its own key until stored, so a retry never sends
 * twice what is already there.
 */
export class S3Sink implements Sink<S3Record> {
  readonly type = 's3';
  readonly batch;
  readonly stats = new SinkStats();
  private readonly health_: HealthTracker;
  private client?: S3Client;
  private readonly put: S3Put;
  private parquet?: ParquetEncoder;
  private readonly fieldPath: string;

  constructor(
    readonly name: string,
    private readonly config: S3SinkConfig,
    private readonly ctx: SinkContext,
  ) {
    this.batch = batchLimits(config.batch);
    this.fieldPath = `sinks.${name}`;
    this.health_ = new HealthTracker(ctx.logger.child({ sink: name }), `S3 bucket ${config.bucket}`);
    const secure = (config.endpoint ?? 'https:').startsWith('https:');
    const tls = secure
      ? buildTlsOptions(config.tls, {
          fieldPath: `${this.fieldPath}.tls`,
          component: this.fieldPath,
          logger: ctx.logger,
          baseDir: ctx.baseDir,
        })
      : undefined;
    const { buildS3Client, S3Put } = loadAwsSdk();
    this.client = buildS3Client(config, { fieldPath: this.fieldPath, tls, logger: ctx.logger });
    this.put = new S3Put(this.client, config);
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.config.encoding === 'parquet') this.parquet = await loadParquetEncoder(this.ctx.version);
    const note = await this.put.checkBucket(signal);
    if (note) this.ctx.logger.warn(note, { sink: this.name });
  }

  encode(record: PipelineRecord): S3Record {
    const json = serializeEvent(record, this.config.format);
    if (this.config.format !== 'ocsf') return { record, json, size: Buffer.byteLength(json) + 1 };
    const { class_uid: classUid, time } = JSON.parse(json) as { class_uid?: unknown; time?: unknown };
    // A row the Parquet schema cannot hold is refused here, alone, with the field named.
    if (this.config.encoding === 'parquet') parquetRow(json);
    return {
      record,
      json,
      size: Buffer.byteLength(json) + 1,
      classUid: typeof classUid === 'number' ? classUid : undefined,
      timeMs: typeof time === 'number' ? time : undefined,
    };
  }

  async send(batch: readonly S3Record[], signal: AbortSignal): Promise<SendResult<S3Record>> {
    for (const object of planObjects(batch, this.config)) await this.deliver(object, signal);
    return { rejected: [] };
  }

  private async deliver(object: PlannedObject, signal: AbortSignal): Promise<void> {
    const put = this.put;
    const body = this.body(object.items);
    const contentType =
      this.config.encoding === 'parquet' ? 'application/vnd.apache.parquet' : 'application/x-ndjson';
    const outcome = await retryRequest(
      async () => {
        try {
          return await put.put(object.key, body, contentType, signal);
        } catch (err) {
          this.stats.request('retried');
          throw err;
        }
      },
      {
        signal,
        policy: backoffPolicy(this.config.retry),
        stats: this.stats,
        health: this.health_,
        isAuth: (err) => err instanceof AuthError,
        onRetry: (err, attempt, delayMs) =>
          this.ctx.logger.debug('S3 PUT failed; will retry', {
            sink: this.name,
            key: object.key,
            attempt,
            delay_ms: delayMs,
            error: errorMessage(err),
          }),
      },
    );
    this.stats.request('ok');
    this.stats.sent(body.length);
    this.health_.ok();
    if (outcome === 'already-stored')
      this.ctx.logger.info('object already stored by an earlier attempt; counted as delivered', {
        sink: this.name,
        key: object.key,
      });
  }

  private body(items: readonly S3Record[]): Buffer {
    if (this.config.encoding === 'parquet') {
      if (!this.parquet) throw new Error(`s3 sink ${this.name} used before start()`);
      return this.parquet.encode(items);
    }
    return jsonlGz(items);
  }

  health(): SinkHealth {
    return this.health_.get();
  }

  close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
    return Promise.resolve();
  }
}

export const s3SinkFactory = defineSink({
  type: 's3',
  configSchema: s3SinkConfig,
  create: (name, config, ctx: SinkContext) => new S3Sink(name, config, ctx),
  plaintext: (config) => s3PlaintextPath(config),
});
