import { defineSink } from '../factory';
import type { SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import { backoffPolicy, batchLimits } from '../../config/fields';
import { buildTlsOptions, tlsEnabled } from '../../util/tls';
import { errorMessage } from '../../util/errors';
import type { KafkaClient, TopicCheck } from './client';
import { kafkaPlaintextPath, kafkaSinkConfig, type KafkaSinkConfig } from './config';
import { KafkaEncoder, type KafkaRecord } from './encode';
import { HealthTracker } from '../runtime/health';
import { SinkStats } from '../runtime/stats';
import { KafkaService, type KafkaSinkStats } from './service';
import { TopicRouter } from './topics';
import { untilAborted } from './abort';

export type { KafkaRecord } from './encode';
export type { KafkaSinkConfig } from './config';

/**
 * kafkajs is loaded when a Kafka sink is built, not when the registry is: a forwarder
 * without one does not carry the library (about 10 MB of resident memory).
 */
function loadKafkajsClient(): typeof import('./kafkajs-client').KafkajsClient {
  return (require('./kafkajs-client') as typeof import('./kafkajs-client')).KafkajsClient;
}

/**
 * `type: kafka`. A batch is acknowledged only when the broker acknowledged every message
 * with acks=all (the default; the config refuses acks=0), so the checkpoint never passes an
 * event Kafka does not hold. Start-up connects, authenticates and checks every topic the
 * routing can produce.
 */
export class KafkaSink implements Sink<KafkaRecord> {
  readonly type = 'kafka';
  readonly batch;
  readonly stats = new SinkStats();
  private readonly encoder: KafkaEncoder;
  private readonly router: TopicRouter;
  private readonly healthTracker: HealthTracker;
  private readonly service: KafkaService;
  private readonly client: KafkaClient;
  private readonly field: string;

  constructor(
    readonly name: string,
    private readonly config: KafkaSinkConfig,
    private readonly ctx: SinkContext,
    /** For tests that need a client other than kafkajs. */
    client?: KafkaClient,
  ) {
    this.field = `sinks.${name}`;
    this.batch = batchLimits(config.batch);
    this.router = new TopicRouter(config.topic, config.topic_families);
    this.encoder = new KafkaEncoder(config.format, this.router, config.source);
    const logger = ctx.logger.child({ component: 'kafka-sink', sink: name });
    this.healthTracker = new HealthTracker(logger, 'Kafka');
    this.client =
      client ??
      new (loadKafkajsClient())({
        sinkName: name,
        brokers: config.brokers,
        clientId: config.client_id,
        tls: tlsEnabled(config.tls)
          ? buildTlsOptions(config.tls, {
              fieldPath: `${this.field}.tls`,
              component: `sink ${name}`,
              logger,
              baseDir: ctx.baseDir,
            })
          : undefined,
        sasl: config.sasl,
        connectionTimeoutMs: config.connection_timeout,
        requestTimeoutMs: config.request_timeout,
        ackTimeoutMs: config.ack_timeout,
        acks: config.acks === 1 ? 1 : 'all',
        idempotent: config.idempotent,
        compression: config.compression,
        logger,
      });
    this.service = new KafkaService(this.client, this.healthTracker, {
      sinkName: name,
      idempotent: config.idempotent,
      policy: backoffPolicy(config.retry),
      logger,
      stats: this.stats,
    });
    if (config.acks === 1) {
      logger.warn(
        `${this.field}.acks is 1: a write only the leader confirmed is lost if the leader fails before its followers copy it, and the checkpoint may already be past it; use acks: all`,
      );
    }
  }

  /** Kafka's own counters (splits, producer resets), beside the shared `stats`. */
  get details(): Readonly<KafkaSinkStats> {
    return this.service.stats;
  }

  async start(signal: AbortSignal): Promise<void> {
    const topics = this.router.allTopics();
    // The pipeline names the sink (`sinks.<name> (kafka): `); the message says what is wrong.
    const fail = (what: string): Error => new Error(what);
    // A failed start leaves nothing connected: the CLI exits without calling close().
    await untilAborted(this.connectAndCheck(topics, fail), signal).catch(async (err: unknown) => {
      await this.client.close().catch(() => undefined);
      throw err;
    });
  }

  private async connectAndCheck(topics: readonly string[], fail: (what: string) => Error): Promise<void> {
    try {
      await this.client.connect();
    } catch (err) {
      throw fail(errorMessage(err));
    }
    let check: TopicCheck;
    try {
      check = await this.client.checkTopics(topics);
    } catch (err) {
      throw fail(errorMessage(err));
    }
    if (check.missing.length === 0) return;
    const list = check.missing.map((t) => `"${t}"`).join(', ');
    if (check.autoCreate === true) {
      this.ctx.logger.warn(
        'kafka topics do not exist yet; the broker will create them on first write with its default partitions and retention',
        {
          sink: this.name,
          topics: check.missing,
        },
      );
      return;
    }
    const one = check.missing.length === 1;
    const why =
      check.autoCreate === false
        ? 'and the broker does not create topics (auto.create.topics.enable=false)'
        : `(or this user may not describe ${one ? 'it' : 'them'}; could not read auto.create.topics.enable: ${check.autoCreateUnknownBecause ?? 'unknown'})`;
    throw fail(
      `topic ${list} ${one ? 'does' : 'do'} not exist ${why}: create ${one ? 'it' : 'them'}, or correct ${this.field}.topic`,
    );
  }

  encode(record: PipelineRecord): KafkaRecord {
    return this.encoder.encode(record);
  }

  send(batch: readonly KafkaRecord[], signal: AbortSignal): Promise<SendResult<KafkaRecord>> {
    return this.service.send(batch, signal);
  }

  health(): SinkHealth {
    return this.healthTracker.get();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export const kafkaSinkFactory = defineSink({
  type: 'kafka',
  configSchema: kafkaSinkConfig,
  create: (name, config, ctx: SinkContext) => new KafkaSink(name, config, ctx),
  plaintext: kafkaPlaintextPath,
});
