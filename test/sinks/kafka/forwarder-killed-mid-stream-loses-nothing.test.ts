import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../../src/simulator';
import { readTopics, tailTopics, testKafka, type KafkaBroker } from '../../support/kafka-broker';
import { startCli, tempDir, waitFor, writeConfig, type ForwarderProcess } from '../../support/forwarder';
import { skipIfMissing } from '../../support/servers';
import { startBrokerOrSkip, tally } from './helpers';

const KILLS = 5;
const TOPIC = 'e2e-audit';

/**
 * The whole forwarder (CLI, poller, pipeline, checkpoint) delivering to a real broker,
 * killed with SIGKILL at random moments while it streams — once while the broker itself is
 * down — and restarted: the checkpoint never moves past a message Kafka has not acknowledged,
 * so nothing the API served is missing from the topic at the end.
 */
let broker: KafkaBroker | undefined;

before(async () => {
  broker = await startBrokerOrSkip();
  if (broker) await broker.createTopic(TOPIC, { partitions: 3 });
});
after(async () => {
  await broker?.destroy();
});

test(`nothing is lost in Kafka across ${KILLS} SIGKILLs of the forwarder mid-stream`, async (t) => {
  if (skipIfMissing(t, broker, 'Kafka broker')) return;
  const sim = await startSimulator({ seed: 61, backlog: 1500, backlogWindowMs: 3600_000, rate: 20 });
  const admin = testKafka(broker!.plaintext).admin();
  await admin.connect();
  // -1 while the test's own client catches up with a restarted broker.
  const inTopic = async (): Promise<number> =>
    admin.fetchTopicOffsets(TOPIC).then(
      (partitions) => partitions.reduce((n, p) => n + Number(p.high), 0),
      () => -1,
    );
  const dir = tempDir();
  const checkpointPath = join(dir, 'checkpoint.json');
  const checkpointed: number[] = [];
  const started: ForwarderProcess[] = [];
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 200,
      start_at: '2h',
      lookback: '5m',
      poll_interval: '500ms',
      max_requests_per_minute: 600,
    },
    pipeline: { max_buffered_events: 300 },
    checkpoint: { path: checkpointPath },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      kafka: {
        type: 'kafka',
        brokers: [broker!.plaintext],
        topic: TOPIC,
        format: 'raw',
        batch: { max_events: 100, timeout: '20ms' },
      },
    },
    metrics: { enabled: false },
    // info: a failure message then carries the forwarder's own account of its cycles.
    log: { level: 'info' },
  });
  let rng = 0x1b873593;
  const random = (): number => (rng = (rng * 1103515245 + 12345) >>> 0) / 2 ** 32;
  try {
    for (let i = 0; i < KILLS; i++) {
      const fwd = startCli(['run', '-c', config]);
      started.push(fwd);
      let before = -1;
      await waitFor(async () => (before = await inTopic()) >= 0, 30_000, 'the broker to answer');
      await waitFor(
        async () => (await inTopic()) > before || fwd.child.exitCode !== null,
        30_000,
        'delivery to Kafka to start',
      );
      // Anywhere from mid-batch to after a few checkpoint saves (they are coalesced, ~1 s).
      await new Promise((r) => setTimeout(r, 30 + random() * 2500));
      const brokerDown = i === 1;
      if (brokerDown) {
        // The sharpest case: Kafka stops acknowledging while the forwarder keeps reading.
        // Whatever it read in the meantime is unacknowledged; it must not be checkpointed.
        await broker!.kill();
        await new Promise((r) => setTimeout(r, 3000));
      }
      assert.equal(fwd.child.exitCode, null, `forwarder exited on its own: ${fwd.stderr().slice(-1500)}`);
      await fwd.kill9();
      if (brokerDown) await broker!.start();
      // Every id the checkpoint calls committed (those within the lookback window are listed)
      // must be in the topic: the checkpoint never passes an unacknowledged message.
      const cp = existsSync(checkpointPath)
        ? (JSON.parse(readFileSync(checkpointPath, 'utf8')) as {
            totals: { delivered: number };
            seen: [string, number][];
          })
        : { totals: { delivered: 0 }, seen: [] };
      checkpointed.push(cp.totals.delivered);
      const inKafka = new Set((await readTopics(broker!.plaintext, [TOPIC])).map((m) => m.key));
      const committedButAbsent = cp.seen.map(([id]) => id).filter((id) => !inKafka.has(id));
      assert.deepEqual(
        committedButAbsent,
        [],
        `after kill ${i + 1}${brokerDown ? ' (broker down)' : ''}: checkpointed ids missing from Kafka`,
      );
    }
    sim.setRate(0);
    await new Promise((r) => setTimeout(r, 1500)); // let the last live rows become visible
    const cutoff = Date.now();
    const want = sim
      .allActivities({ includeSelf: true })
      .filter((a) => Date.parse(a.created_at) < cutoff)
      .map((a) => a.id);
    const final = startCli(['run', '-c', config]);
    started.push(final);
    const tail = await tailTopics(broker!.plaintext, [TOPIC]);
    try {
      await waitFor(() => want.every((id) => tail.keys.has(id)), 90_000, 'the final run to catch up').catch(
        async (err: unknown) => {
          const missing = want.filter((id) => !tail.keys.has(id)).length;
          const exact = new Set((await readTopics(broker!.plaintext, [TOPIC])).map((m) => m.key));
          const state = `${missing} of ${want.length} missing (${want.filter((id) => !exact.has(id)).length} really absent); topic holds ${await inTopic()} messages, the reader saw ${tail.keys.size} ids; forwarder ${final.child.exitCode === null ? 'running' : `exited ${final.child.exitCode}`}`;
          throw new Error(`${String(err)} (${state})\nforwarder stderr:\n${final.stderr().slice(-1500)}`);
        },
      );
    } finally {
      await tail.stop();
    }
    const r = await final.stop();
    assert.equal(r.code, 0, `graceful stop exits 0: ${r.stderr.slice(-1500)}`);

    const delivered = (await readTopics(broker!.plaintext, [TOPIC])).map((m) => m.key);
    const counts = tally(delivered);
    assert.deepEqual(
      want.filter((id) => !counts.has(id)),
      [],
      'no activity lost',
    );
    // A restart re-sends what was delivered but not yet checkpointed (the checkpoint saves
    // are coalesced, so that can be more than the in-flight buffer), but never more than once
    // per run: within a run, dedupe holds.
    const duplicates = delivered.length - counts.size;
    const mostCopies = Math.max(...counts.values());
    assert.ok(mostCopies <= KILLS + 1, `an activity was written ${mostCopies} times in ${KILLS + 1} runs`);
    process.stdout.write(
      `# kills=${KILLS} messages=${delivered.length} unique=${counts.size} duplicates=${duplicates} most_copies=${mostCopies} checkpointed_after_each_kill=${checkpointed.join(',')}\n`,
    );
  } finally {
    for (const p of started) void p.kill9();
    await admin.disconnect();
    await sim.close();
  }
});
