import type { ConnectionOptions } from 'node:tls';
import {
  CompressionCodecs,
  CompressionTypes,
  ConfigResourceTypes,
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type LogEntry,
  type Producer,
  type SASLOptions,
  type TopicMessages,
} from 'kafkajs';
import { classifyTlsError, describeTlsProblem } from '../../util/tls-errors';
import type { Logger } from '../../observability/logger';
import { AuthError, RetryableError, errorMessage } from '../../util/errors';
import { loadCodec } from './codecs';
import type { Compression, SaslConfig } from './config';
import type { KafkaMessage } from './encode';
import { ProducerStateError, RecordsRefusedError, type KafkaClient, type TopicCheck } from './client';

/**
 * The only file that knows kafkajs (2.2.4): client construction, log routing, codec
 * registration, and turning kafkajs errors into the shared error classes with messages an
 * operator can act on.
 */
export interface KafkajsClientOptions {
  readonly sinkName: string;
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Node TLS options from util/tls, or undefined for plaintext. */
  readonly tls?: ConnectionOptions;
  readonly sasl?: SaslConfig;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly acks: 'all' | 1;
  readonly idempotent: boolean;
  readonly compression: Compression;
  readonly logger: Logger;
}

/**
 * kafkajs retries a failed produce a few times itself (refreshing metadata on leader moves);
 * past that the sink's own retry loop takes over, with its backoff, health reporting and
 * shutdown handling. Keeping kafkajs's share short keeps every failure visible to the sink.
 */
const CLIENT_RETRY = { retries: 3, initialRetryTime: 250, maxRetryTime: 4000 };

const COMPRESSION_TYPES: Readonly<Record<Compression, CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
};

/** Makes kafkajs able to write (and read) snappy and lz4 through codecs.ts. */
export function registerKafkajsCodec(compression: Compression): void {
  if (compression !== 'snappy' && compression !== 'lz4') return;
  const codec = loadCodec(compression);
  const kafkajsCodec = {
    compress: (encoder: { buffer: Buffer }) => codec.compress(encoder.buffer),
    decompress: (buffer: Buffer) => codec.decompress(buffer),
  };
  CompressionCodecs[COMPRESSION_TYPES[compression] as CompressionTypes.Snappy] = () => kafkajsCodec;
}

/** Log fields that may carry credentials or are too noisy for one line. */
const UNSAFE_LOG_FIELD = /pass|secret|token|sasl|ssl|cred|auth|stack/i;

/**
 * kafkajs logs every failed request at ERROR. The sink already reports each failure
 * (classified, once per health change), so those go to debug; kafkajs's warnings stay warnings.
 */
function logCreator(logger: Logger, sinkName: string) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const meta: Record<string, unknown> = { component: 'kafkajs', sink: sinkName, namespace };
      for (const [k, v] of Object.entries(extra)) {
        if (
          !UNSAFE_LOG_FIELD.test(k) &&
          (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
        )
          meta[k] = v;
      }
      const text = String(message);
      // We bound kafkajs's retries on purpose (see CLIENT_RETRY); the sink retries forever.
      const expected = text.startsWith('Limiting retries for the idempotent producer');
      if (level === logLevel.WARN && !expected) logger.warn(`kafka client: ${text}`, meta);
      else logger.debug(`kafka client: ${text}`, meta);
    };
}

export class KafkajsClient implements KafkaClient {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private closed = false;

  constructor(private readonly opts: KafkajsClientOptions) {
    registerKafkajsCodec(opts.compression);
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: [...opts.brokers],
      ssl: opts.tls,
      sasl: opts.sasl ? toKafkajsSasl(opts.sasl) : undefined,
      connectionTimeout: opts.connectionTimeoutMs,
      authenticationTimeout: opts.connectionTimeoutMs,
      requestTimeout: opts.requestTimeoutMs,
      retry: CLIENT_RETRY,
      logLevel: logLevel.INFO,
      logCreator: logCreator(opts.logger, opts.sinkName),
    });
  }

  async connect(): Promise<void> {
    // A failed start closes the client; the catch-up lane of a sink down at start-up then
    // starts it again (#17), and that must connect rather than find it closed for good.
    this.closed = false;
    const producer = this.newProducer();
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw new Error(explainKafkaError(err, this.context('start')), { cause: err });
    }
    await this.adopt(producer);
  }

  /** Keeps a freshly connected producer, unless close() ran meanwhile (aborted start-up). */
  private async adopt(producer: Producer): Promise<void> {
    if (this.closed) {
      await producer.disconnect().catch(() => undefined);
      throw new RetryableError(`kafka sink ${this.opts.sinkName}: closed`);
    }
    this.producer = producer;
  }

  async checkTopics(topics: readonly string[]): Promise<TopicCheck> {
    const admin = this.kafka.admin({ retry: { retries: 1 } });
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length === 0) return { missing };
      try {
        return { missing, autoCreate: await this.brokerAutoCreates(admin) };
      } catch (err) {
        return { missing, autoCreateUnknownBecause: explainKafkaError(err, this.context('start')) };
      }
    } catch (err) {
      throw new Error(explainKafkaError(err, this.context('start')), { cause: err });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async brokerAutoCreates(admin: Admin): Promise<boolean | undefined> {
    const cluster = await admin.describeCluster();
    const nodeId = cluster.brokers[0]?.nodeId;
    if (nodeId === undefined) return undefined;
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.BROKER,
          name: String(nodeId),
          configNames: ['auto.create.topics.enable'],
        },
      ],
    });
    const entry = described.resources[0]?.configEntries.find(
      (e) => e.configName === 'auto.create.topics.enable',
    );
    return entry ? entry.configValue === 'true' : undefined;
  }

  async produce(messages: readonly KafkaMessage[]): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new RetryableError(`kafka sink ${this.opts.sinkName}: not connected`);
    const byTopic = new Map<string, TopicMessages>();
    for (const m of messages) {
      let entry = byTopic.get(m.topic);
      if (!entry) byTopic.set(m.topic, (entry = { topic: m.topic, messages: [] }));
      entry.messages.push({ key: m.key, value: m.value, headers: { ...m.headers } });
    }
    try {
      await producer.sendBatch({
        topicMessages: [...byTopic.values()],
        acks: this.opts.acks === 'all' ? -1 : 1,
        timeout: this.opts.ackTimeoutMs,
        compression: COMPRESSION_TYPES[this.opts.compression],
      });
    } catch (err) {
      throw classifyKafkaError(err, this.context('send'));
    }
  }

  async resetProducer(): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => undefined);
    const producer = this.newProducer();
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw classifyKafkaError(err, this.context('send'));
    }
    await this.adopt(producer);
  }

  async close(): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: this.opts.idempotent,
      // Java-compatible murmur2 on the key: the same activity id lands on the same partition
      // as it would from any other Kafka client.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: CLIENT_RETRY,
    });
  }

  private context(phase: 'start' | 'send'): ErrorContext {
    return {
      phase,
      brokers: this.opts.brokers,
      tls: this.opts.tls !== undefined,
      sasl: this.opts.sasl,
      tlsField: `sinks.${this.opts.sinkName}.tls`,
    };
  }
}

function toKafkajsSasl(sasl: SaslConfig): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

// ---------------------------------------------------------------------------------------
// Errors: kafkajs reports failures as KafkaJS* classes, protocol errors by `type`, socket
// and TLS errors by Node `code`, often wrapped (retries exhausted → `cause`).

interface ErrorContext {
  /** At start-up a closed connection most likely means a TLS/SASL mismatch; later, an outage. */
  readonly phase: 'start' | 'send';
  readonly brokers: readonly string[];
  readonly tls: boolean;
  readonly sasl?: SaslConfig;
  /** `sinks.<name>.tls`, named in certificate errors; `tls` when absent. */
  readonly tlsField?: string;
}

interface KafkajsErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly type?: string;
  readonly code?: string | number;
  readonly broker?: string;
  readonly cause?: unknown;
  readonly originalError?: unknown;
}

/** The error and everything it wraps, outermost first. */
function errorChain(err: unknown): KafkajsErrorShape[] {
  const chain: KafkajsErrorShape[] = [];
  let current: unknown = err;
  while (current && typeof current === 'object' && chain.length < 8 && !chain.includes(current)) {
    const e = current as KafkajsErrorShape;
    chain.push(e);
    current = e.cause ?? e.originalError;
  }
  return chain;
}

const AUTH_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
]);
/** The broker refused the records themselves: narrowing the batch finds the culprit. */
const RECORD_TYPES = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
]);
const PRODUCER_STATE_TYPES = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
]);
const TYPE_ADVICE: Readonly<Record<string, string>> = {
  TOPIC_AUTHORIZATION_FAILED:
    'not authorized to write to the topic: grant this user WRITE and DESCRIBE on it',
  CLUSTER_AUTHORIZATION_FAILED:
    'not authorized on the cluster (brokers older than 2.8 require IDEMPOTENT_WRITE for the idempotent producer): grant it, or set idempotent: false',
  UNKNOWN_TOPIC_OR_PARTITION: 'the topic does not exist (or this user may not describe it): create it',
  MESSAGE_TOO_LARGE: "larger than the topic's max.message.bytes",
  RECORD_LIST_TOO_LARGE: "larger than the topic's max.message.bytes",
  INVALID_TIMESTAMP: "the record timestamp is outside the topic's message.timestamp limits",
  NOT_ENOUGH_REPLICAS: 'fewer in-sync replicas than min.insync.replicas: waiting for replicas to come back',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    'fewer in-sync replicas than min.insync.replicas: waiting for replicas to come back',
  LEADER_NOT_AVAILABLE: 'partition leadership is moving',
  NOT_LEADER_FOR_PARTITION: 'partition leadership moved',
  REQUEST_TIMED_OUT: "the broker did not get the replicas' acknowledgements within ack_timeout",
  ILLEGAL_SASL_STATE:
    'this listener does not take SASL (a listener without SASL?): check the port, or remove sasl',
  UNSUPPORTED_SASL_MECHANISM: 'this listener does not offer that SASL mechanism: check sasl.mechanism',
};

/** OpenSSL errors come as "<hex>:error:<code>:SSL routines:<fn>:<reason>:<file>:<line>:..." lines. */
function tidy(detail: string): string {
  const first = detail.split('\n')[0];
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(first);
  return ssl ? `TLS alert: ${ssl[1]}` : first;
}

function brokerOf(chain: readonly KafkajsErrorShape[], ctx: ErrorContext): string {
  return chain.find((e) => typeof e.broker === 'string')?.broker ?? ctx.brokers.join(', ');
}

/** One sentence saying what is wrong and what to change; never contains a secret. */
export function explainKafkaError(err: unknown, ctx: ErrorContext): string {
  const chain = errorChain(err);
  const broker = brokerOf(chain, ctx);
  const innermost = chain[chain.length - 1] ?? {};
  const detail = tidy(innermost.message ?? errorMessage(err));

  const protocol = chain.find(
    (e) => e.name === 'KafkaJSProtocolError' || (typeof e.type === 'string' && e.type.length > 0),
  );
  if (protocol?.type) {
    const advice = TYPE_ADVICE[protocol.type];
    return `broker answered ${protocol.type}${advice ? `: ${advice}` : ` (${protocol.message ?? ''})`}`;
  }

  const sasl = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError');
  if (sasl) {
    const mechanism = ctx.sasl?.mechanism.toUpperCase() ?? 'SASL';
    if (/not supported by the server/.test(sasl.message ?? '')) {
      return `${broker} does not offer SASL ${mechanism} on this listener: check sasl.mechanism, or whether this port is a listener without SASL`;
    }
    return `SASL authentication failed for user "${ctx.sasl?.username ?? '?'}" (${mechanism}): check sasl.username and sasl.password (${sasl.message ?? ''})`;
  }

  const codes = chain.map((e) => (typeof e.code === 'string' ? e.code : '')).filter(Boolean);
  const tlsProblem =
    ctx.tls || codes.some((c) => c.startsWith('ERR_TLS_') || c.startsWith('ERR_SSL_'))
      ? classifyTlsError(err)
      : undefined;
  if (tlsProblem) return describeTlsProblem(tlsProblem, `the broker ${broker}`, ctx.tlsField ?? 'tls');
  if (
    ctx.tls &&
    (/before secure TLS connection was established|wrong version number|EPROTO/i.test(detail) ||
      codes.includes('EPROTO'))
  ) {
    return `TLS handshake with ${broker} failed (${detail}): is this a plaintext listener? Use the broker's TLS port, or remove tls`;
  }
  if (codes.includes('ECONNREFUSED'))
    return `cannot connect to ${broker}: connection refused (wrong host/port in brokers, or the broker is down)`;
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN'))
    return `cannot resolve the host of ${broker} (${detail}): check brokers`;
  if (/Connection timeout/i.test(detail) || codes.includes('ETIMEDOUT'))
    return `timed out connecting to ${broker}: check brokers, firewalls, and connection_timeout`;

  const closed =
    chain.some((e) => e.name === 'KafkaJSConnectionClosedError') ||
    /closed|ECONNRESET|socket hang up/i.test(detail);
  const timedOut = chain.some((e) => e.name === 'KafkaJSRequestTimeoutError');
  if ((closed || timedOut) && ctx.phase === 'start') {
    const hints = [
      ctx.tls ? undefined : 'if it is a TLS listener set tls.enabled: true',
      ctx.sasl ? undefined : 'if it requires SASL configure sasl',
      ctx.tls && ctx.sasl ? 'check that the port matches the security protocol (SSL vs SASL_SSL)' : undefined,
    ].filter(Boolean);
    return `${broker} ${timedOut ? 'did not answer' : 'closed the connection'} before completing the handshake (${detail}): ${hints.join('; ')}`;
  }
  if (closed) return `connection to ${broker} closed (${detail})`;
  return `${broker}: ${detail}`;
}

/** The shared error class for a kafkajs failure, carrying the explanation as its message. */
export function classifyKafkaError(err: unknown, ctx: ErrorContext): Error {
  const chain = errorChain(err);
  const message = explainKafkaError(err, ctx);
  const type = chain.find((e) => typeof e.type === 'string')?.type;
  const refusedCredentials =
    chain.some((e) => e.name === 'KafkaJSSASLAuthenticationError') ||
    (type !== undefined && AUTH_TYPES.has(type));
  // A certificate problem is fixed by people, like a password: retried slowly too.
  const refusedCertificate = classifyTlsError(err) !== undefined;
  if (refusedCredentials || refusedCertificate) {
    return new AuthError(message, { cause: err });
  }
  if (type && RECORD_TYPES.has(type)) return new RecordsRefusedError(message, { cause: err });
  if (type && PRODUCER_STATE_TYPES.has(type))
    return new ProducerStateError(message, undefined, { cause: err });
  return new RetryableError(message, undefined, { cause: err });
}
