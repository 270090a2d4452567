import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readTopics, testKafka, type KafkaBroker } from '../../support/kafka-broker';
import { skipIfMissing } from '../../support/servers';
import { captureLogger, makeRecords, makeSink, sendAll, startBrokerOrSkip, tally } from './helpers';

/**
 * A real broker and a real consumer: what the sink writes is exactly what a SIEM reading
 * the topic gets.
 */
let broker: KafkaBroker | undefined;

before(async () => {
  broker = await startBrokerOrSkip();
});
after(async () => {
  await broker?.destroy();
});

async function messagesIn(topic: string): Promise<number> {
  const admin = testKafka(broker!.plaintext).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

test('every activity arrives exactly once, keyed by its id, with the schema headers', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  await broker!.createTopic('audit-once', { partitions: 3 });
  const logger = captureLogger();
  const sink = makeSink(
    { brokers: [broker!.plaintext], topic: 'audit-once', batch: { max_events: 100 } },
    { logger },
  );
  await sink.start(new AbortController().signal);
  const records = makeRecords(1000);
  const encoded = records.map((r) => sink.encode(r));
  for (let i = 0; i < encoded.length; i += 100) {
    const result = await sink.send(encoded.slice(i, i + 100), new AbortController().signal);
    assert.deepEqual(result.rejected, []);
    // Resolved means the broker holds it: a consumer can already see every message so far.
    assert.equal(await messagesIn('audit-once'), i + 100);
  }
  await sink.close();

  const got = await readTopics(broker!.plaintext, ['audit-once']);
  const counts = tally(got.map((m) => m.key));
  assert.equal(got.length, 1000);
  assert.deepEqual(
    records.filter((r) => counts.get(r.activity.id) !== 1).map((r) => r.activity.id),
    [],
    'each id once',
  );
  const byId = new Map(records.map((r) => [r.activity.id, r.activity]));
  for (const m of got) {
    const activity = byId.get(m.key)!;
    const body = JSON.parse(m.value) as { metadata: { uid: string; version: string } };
    assert.equal(body.metadata.uid, m.key, 'the key is the activity id');
    assert.deepEqual(m.headers, {
      schema: 'ocsf',
      schema_version: body.metadata.version,
      activity_type: activity.type,
      source: 'anthropic:compliance_api',
    });
  }
  assert.equal(new Set(got.map((m) => m.partition)).size, 3, 'keys spread over the partitions');
  assert.equal(sink.details.messages, 1000);
  assert.deepEqual(
    logger.lines.filter((l) => l.level !== 'debug'),
    [],
    'normal operation logs nothing above debug (kafkajs included)',
  );
  assert.ok(
    logger.lines.some((l) => l.meta.component === 'kafkajs'),
    "kafkajs's own log lines are routed into ours",
  );
});

test('raw and ECS bodies carry their own schema headers; raw is the API object unchanged', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  await broker!.createTopic('audit-raw');
  await broker!.createTopic('audit-ecs');
  const records = makeRecords(20, 5000);
  const raw = makeSink({ brokers: [broker!.plaintext], topic: 'audit-raw', format: 'raw' });
  const ecs = makeSink({
    brokers: [broker!.plaintext],
    topic: 'audit-ecs',
    format: 'ecs',
    source: 'tenant-a',
  });
  for (const sink of [raw, ecs]) {
    await sink.start(new AbortController().signal);
    assert.deepEqual(await sendAll(sink, records), []);
    await sink.close();
  }
  const rawMessages = await readTopics(broker!.plaintext, ['audit-raw']);
  const rawById = new Map(records.map((r) => [r.activity.id, r.raw]));
  for (const m of rawMessages) {
    assert.equal(m.value, rawById.get(m.key));
    assert.equal(m.headers.schema, 'anthropic.compliance.activity');
    assert.equal(m.headers.schema_version, 'v1');
  }
  const ecsMessages = await readTopics(broker!.plaintext, ['audit-ecs']);
  assert.equal(ecsMessages.length, 20);
  for (const m of ecsMessages) {
    const body = JSON.parse(m.value) as { ecs: { version: string } };
    assert.equal(m.headers.schema, 'ecs');
    assert.equal(m.headers.schema_version, body.ecs.version);
    assert.equal(m.headers.source, 'tenant-a');
  }
});

test('a {family} template writes each family to its topic and the rest to other', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  for (const f of ['claude', 'org', 'other']) await broker!.createTopic(`fam-${f}`);
  const sink = makeSink({
    brokers: [broker!.plaintext],
    topic: 'fam-{family}',
    topic_families: ['claude', 'org'],
  });
  await sink.start(new AbortController().signal);
  const records = makeRecords(300, 7000);
  assert.deepEqual(await sendAll(sink, records), []);
  await sink.close();
  const got = await readTopics(broker!.plaintext, ['fam-claude', 'fam-org', 'fam-other']);
  assert.equal(got.length, 300);
  for (const m of got) {
    const family = m.headers.activity_type.split('_')[0];
    assert.equal(
      m.topic,
      `fam-${['claude', 'org'].includes(family) ? family : 'other'}`,
      m.headers.activity_type,
    );
  }
  assert.equal(new Set(got.map((m) => m.topic)).size, 3, 'the generator covers all three topics');
});

test('gzip, snappy and lz4 batches are accepted by the broker and read back intact', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  for (const compression of ['gzip', 'snappy', 'lz4']) {
    const topic = `codec-${compression}`;
    await broker!.createTopic(topic, { partitions: 2 });
    const sink = makeSink({ brokers: [broker!.plaintext], topic, compression });
    await sink.start(new AbortController().signal);
    const records = makeRecords(200, 9000);
    assert.deepEqual(await sendAll(sink, records), []);
    await sink.close();
    const got = await readTopics(broker!.plaintext, [topic]);
    const byId = new Map(records.map((r) => [r.activity.id, r]));
    assert.equal(got.length, 200, compression);
    for (const m of got)
      assert.equal(
        (JSON.parse(m.value) as { metadata: { uid: string } }).metadata.uid,
        byId.get(m.key)!.activity.id,
      );
  }
});

test("a record larger than the topic's limit is rejected alone; every other record arrives", async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  await broker!.createTopic('audit-small', { partitions: 3, config: { 'max.message.bytes': '4000' } });
  const sink = makeSink({
    brokers: [broker!.plaintext],
    topic: 'audit-small',
    format: 'raw',
    batch: { max_events: 60 },
  });
  await sink.start(new AbortController().signal);
  const records = makeRecords(60, 11_000);
  const big = records[23];
  records[23] = { ...big, raw: JSON.stringify({ ...big.activity, padding: 'x'.repeat(6000) }) };
  const rejected = await sendAll(sink, records);
  await sink.close();
  assert.deepEqual(
    rejected.map((r) => r.item.record.activity.id),
    [big.activity.id],
  );
  assert.match(rejected[0].reason, /MESSAGE_TOO_LARGE/);
  const counts = tally((await readTopics(broker!.plaintext, ['audit-small'])).map((m) => m.key));
  assert.equal(counts.has(big.activity.id), false);
  assert.deepEqual(
    records.filter((r) => r !== records[23] && !counts.has(r.activity.id)).map((r) => r.activity.id),
    [],
    'nothing else lost',
  );
});
