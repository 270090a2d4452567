import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readTopics, type KafkaBroker } from '../../support/kafka-broker';
import { skipIfMissing } from '../../support/servers';
import { makeRecords, makeSink, sendAll, startBrokerOrSkip } from './helpers';

/**
 * A Kafka sink whose broker is down at start-up is started detached, and its catch-up lane
 * calls start() again until it passes (#17). The failed start must release its connection
 * without closing the sink for good: once the broker is up, the same sink starts and delivers.
 */
let broker: KafkaBroker | undefined;

before(async () => {
  broker = await startBrokerOrSkip();
  if (broker) await broker.createTopic('retried');
});
after(async () => {
  await broker?.destroy();
});

test('a start that failed with the broker down passes once the broker is up, and the sink delivers', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const sink = makeSink({ brokers: [broker!.plaintext], topic: 'retried', connection_timeout: '2s' });
  const signal = new AbortController().signal;
  try {
    await broker!.stop();
    await assert.rejects(sink.start(signal), /connection refused|broker is down/);
    await broker!.start();
    await sink.start(signal);
    const records = makeRecords(20);
    assert.deepEqual(await sendAll(sink, records, signal), []);
    const keys = (await readTopics(broker!.plaintext, ['retried'])).map((m) => m.key);
    assert.deepEqual(keys.sort(), records.map((r) => r.activity.id).sort());
  } finally {
    await sink.close();
  }
});
