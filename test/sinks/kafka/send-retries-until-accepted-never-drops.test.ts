import { test } from 'node:test';
import type { SinkHealth } from '../../../src/sinks/sink';
import assert from 'node:assert/strict';
import { AbortedError, AuthError, RetryableError } from '../../../src/util/errors';
import { KafkaService } from '../../../src/sinks/kafka/service';
import { HealthTracker } from '../../../src/sinks/runtime/health';
import { SinkStats } from '../../../src/sinks/runtime/stats';
import {
  ProducerStateError,
  RecordsRefusedError,
  type KafkaClient,
  type TopicCheck,
} from '../../../src/sinks/kafka/client';
import type { KafkaMessage, KafkaRecord } from '../../../src/sinks/kafka/encode';
import { captureLogger, makeRecords, makeSink } from './helpers';

/**
 * The send loop against a scripted client: what a broker's failures make the sink do, at
 * speeds a real broker cannot be pushed into (auth refused for minutes, sequence errors).
 */
class ScriptedClient implements KafkaClient {
  readonly produced: string[][] = [];
  readonly calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly script: (messages: readonly KafkaMessage[], call: number) => Error | undefined,
  ) {}
  async connect(): Promise<void> {}
  async checkTopics(): Promise<TopicCheck> {
    return { missing: [] };
  }
  async produce(messages: readonly KafkaMessage[]): Promise<void> {
    this.calls.push('produce');
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 2));
    this.inFlight--;
    const failure = this.script(messages, this.calls.filter((c) => c === 'produce').length);
    if (failure) throw failure;
    this.produced.push(messages.map((m) => m.key.toString()));
  }
  async resetProducer(): Promise<void> {
    this.calls.push('reset');
  }
  async close(): Promise<void> {}
}

const FAST = { initialMs: 1, maxMs: 5 };

function setup(client: KafkaClient, idempotent = true) {
  const logger = captureLogger();
  const health = new HealthTracker(logger, 'Kafka');
  const stats = new SinkStats();
  const service = new KafkaService(client, health, {
    sinkName: 'kafka',
    idempotent,
    policy: FAST,
    logger,
    stats,
  });
  const encoder = makeSink({ brokers: ['localhost:9092'], topic: 'audit' });
  const batch = (n: number, from = 0): KafkaRecord[] => makeRecords(n, from).map((r) => encoder.encode(r));
  return { logger, health, service, batch, stats };
}

test('refused credentials are retried, never dead-lettered, and make the sink unhealthy once', async () => {
  let healthDuringOutage: SinkHealth | undefined;
  const { service, batch, logger, health, stats } = setup(
    new ScriptedClient((_m, call) => {
      if (call === 20) healthDuringOutage = health.get();
      return call <= 25
        ? new AuthError(
            'SASL authentication failed for user "fwd" (SCRAM-SHA-512): check sasl.username and sasl.password',
          )
        : undefined;
    }),
  );
  const result = await service.send(batch(10), new AbortController().signal);
  assert.deepEqual(result.rejected, [], 'nothing is dropped for an auth failure');
  const { since, ...reported } = healthDuringOutage ?? { healthy: true };
  assert.deepEqual(reported, {
    healthy: false,
    refused: true,
    detail:
      'SASL authentication failed for user "fwd" (SCRAM-SHA-512): check sasl.username and sasl.password',
  });
  assert.ok(since !== undefined && !Number.isNaN(Date.parse(since)), 'says since when');
  assert.deepEqual(health.get(), { healthy: true });
  const errors = logger.lines.filter((l) => l.level === 'error');
  assert.equal(errors.length, 1, 'one error line for 25 failed attempts');
  assert.equal(
    logger.lines.filter((l) => l.level === 'info' && /accepts delivery again/.test(l.message)).length,
    1,
  );
  assert.equal(stats.retries, 25);
  assert.deepEqual(stats.requests, { ok: 1, retried: 25, rejected: 0 });
});

test('a refused record is isolated by halving the batch: it alone is rejected, the rest delivered', async () => {
  const client = new ScriptedClient((messages) =>
    messages.some((m) => m.key.toString().endsWith('000013'))
      ? new RecordsRefusedError(
          "broker answered MESSAGE_TOO_LARGE: larger than the topic's max.message.bytes",
        )
      : undefined,
  );
  const { service, batch } = setup(client);
  const records = batch(40);
  const result = await service.send(records, new AbortController().signal);
  assert.deepEqual(
    result.rejected.map((r) => r.item.record.activity.id),
    ['activity_kafka_000013'],
  );
  assert.match(result.rejected[0].reason, /^kafka refused the record: broker answered MESSAGE_TOO_LARGE/);
  const delivered = new Set(client.produced.flat());
  assert.deepEqual(
    records.map((r) => r.record.activity.id).filter((id) => !delivered.has(id)),
    ['activity_kafka_000013'],
  );
  assert.ok(
    service.stats.splits >= 5 && service.stats.splits <= 7,
    `log2(40) splits, got ${service.stats.splits}`,
  );
  // Each split starts a new producer session before records other than the refused request's are sent.
  const firstReset = client.calls.indexOf('reset');
  assert.equal(firstReset, 1, 'the session is replaced right after the first refusal');
});

test('a producer out of step with the broker is replaced before the batch is retried', async () => {
  const client = new ScriptedClient((_m, call) =>
    call === 1 ? new ProducerStateError('broker answered OUT_OF_ORDER_SEQUENCE_NUMBER (…)') : undefined,
  );
  const { service, batch } = setup(client);
  await service.send(batch(5), new AbortController().signal);
  assert.deepEqual(client.calls, ['produce', 'reset', 'produce']);
  assert.equal(service.stats.producerResets, 1);
});

test('the idempotent producer sends one batch at a time even when the pipeline sends several', async () => {
  const client = new ScriptedClient((_m, call) =>
    call % 3 === 0 ? new RetryableError('connection to broker closed') : undefined,
  );
  const { service, batch } = setup(client, true);
  const signal = new AbortController().signal;
  await Promise.all([0, 1, 2, 3, 4].map((i) => service.send(batch(10, i * 10), signal)));
  assert.equal(client.maxInFlight, 1);
  // Batches are delivered whole and in the order they were handed over.
  const firsts = client.produced.map((keys) => keys[0]);
  assert.deepEqual(firsts, [
    'activity_kafka_000000',
    'activity_kafka_000010',
    'activity_kafka_000020',
    'activity_kafka_000030',
    'activity_kafka_000040',
  ]);

  const loose = new ScriptedClient(() => undefined);
  const parallel = setup(loose, false);
  await Promise.all([0, 1, 2].map((i) => parallel.service.send(parallel.batch(10, i * 10), signal)));
  assert.ok(
    loose.maxInFlight > 1,
    'without idempotence, batches may overlap (the breaking case above is real)',
  );
});

test('shutdown while the broker is down rejects with AbortedError instead of acknowledging', async () => {
  const client = new ScriptedClient(
    () => new RetryableError('cannot connect to kafka-1:9092: connection refused'),
  );
  const { service, batch } = setup(client);
  const controller = new AbortController();
  const pending = service.send(batch(5), controller.signal);
  await new Promise((r) => setTimeout(r, 30));
  controller.abort();
  await assert.rejects(pending, AbortedError);
  assert.equal(client.produced.length, 0);
});

test('shutdown during a produce that never answers does not wait for it', async () => {
  const hanging: KafkaClient = {
    connect: async () => undefined,
    checkTopics: async () => ({ missing: [] }),
    produce: () => new Promise(() => undefined),
    resetProducer: async () => undefined,
    close: async () => undefined,
  };
  const { service, batch } = setup(hanging);
  const controller = new AbortController();
  const pending = service.send(batch(3), controller.signal);
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(pending, AbortedError);
});
