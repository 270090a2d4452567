import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortedError } from '../../../src/util/errors';
import { readTopics, type KafkaBroker } from '../../support/kafka-broker';
import { skipIfMissing } from '../../support/servers';
import { captureLogger, makeRecords, makeSink, startBrokerOrSkip, tally } from './helpers';
import type { KafkaSink } from '../../../src/sinks/kafka';
import type { PipelineRecord } from '../../../src/pipeline/record';

/**
 * The broker goes away in the middle of a run — killed like a crashed JVM, or stopped for
 * maintenance — and comes back on the same data. Sends block meanwhile (backpressure), the
 * sink reports itself unhealthy, and in the end every activity is in the topic.
 */
let broker: KafkaBroker | undefined;

before(async () => {
  broker = await startBrokerOrSkip();
});
after(async () => {
  await broker?.destroy();
});

/** Sends `records` one batch at a time as the pipeline would; `progress` counts acknowledged records. */
function streamInto(
  sink: KafkaSink,
  records: readonly PipelineRecord[],
  progress: { acked: number },
  signal: AbortSignal,
): Promise<void> {
  const encoded = records.map((r) => sink.encode(r));
  return (async () => {
    for (let i = 0; i < encoded.length; i += 50) {
      const result = await sink.send(encoded.slice(i, i + 50), signal);
      assert.deepEqual(result.rejected, []);
      progress.acked += 50;
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const how of ['kill', 'stop'] as const) {
  test(`broker ${how === 'kill' ? 'killed (SIGKILL)' : 'stopped (SIGTERM)'} and restarted mid-run: nothing is lost`, async (t) => {
    if (skipIfMissing(t, broker, 'Kafka broker')) return;
    const topic = `outage-${how}`;
    await broker!.createTopic(topic, { partitions: 3 });
    const logger = captureLogger();
    const sink = makeSink(
      { brokers: [broker!.plaintext], topic, batch: { max_events: 50 }, request_timeout: '5s' },
      { logger },
    );
    await sink.start(new AbortController().signal);
    const records = makeRecords(2500, how === 'kill' ? 0 : 10_000);
    const progress = { acked: 0 };
    const run = streamInto(sink, records, progress, new AbortController().signal);

    await waitUntil(() => progress.acked >= 500, 'the first 500 records');
    await (how === 'kill' ? broker!.kill() : broker!.stop());
    await waitUntil(() => !sink.health().healthy, 'the sink to notice the outage');
    const ackedWhenDown = progress.acked;
    await new Promise((r) => setTimeout(r, 2500));
    assert.ok(
      progress.acked - ackedWhenDown <= 50,
      'at most the batch in flight at the moment of the outage completes: sends block while the broker is down',
    );
    assert.match(sink.health().detail ?? '', /127\.0\.0\.1:\d+/, 'the health detail names the broker');
    await broker!.start();
    await run;
    assert.deepEqual(sink.health(), { healthy: true });
    await sink.close();

    const counts = tally((await readTopics(broker!.plaintext, [topic])).map((m) => m.key));
    assert.deepEqual(
      records.filter((r) => !counts.has(r.activity.id)).map((r) => r.activity.id),
      [],
      'no activity lost',
    );
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    assert.ok(duplicates <= 50, `duplicates (${duplicates}) stay within the batch in flight at the outage`);
    assert.equal(
      logger.lines.filter((l) => l.level === 'warn' && /: cannot deliver;/.test(l.message)).length,
      1,
      'one line for the whole outage',
    );
    assert.equal(
      logger.lines.filter((l) => l.level === 'error').length,
      0,
      'an outage the sink rides out is a warning; refused credentials are the error',
    );
    assert.equal(
      logger.lines.filter((l) => l.level === 'info' && /accepts delivery again/.test(l.message)).length,
      1,
    );
  });
}

test('shutdown while the broker is down ends the send promptly without acknowledging it', async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  await broker!.createTopic('outage-abort');
  const sink = makeSink({ brokers: [broker!.plaintext], topic: 'outage-abort' });
  await sink.start(new AbortController().signal);
  await broker!.kill();
  try {
    const controller = new AbortController();
    const sending = sink.send(
      makeRecords(10, 20_000).map((r) => sink.encode(r)),
      controller.signal,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const abortedAt = Date.now();
    controller.abort();
    await assert.rejects(sending, AbortedError);
    assert.ok(Date.now() - abortedAt < 500, 'does not wait for the client to give up');
  } finally {
    await sink.close().catch(() => undefined);
    await broker!.start();
  }
});
