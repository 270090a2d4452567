import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Batcher } from '../../src/pipeline/batcher';
import { startSimulator } from '../../src/simulator';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * A poll cycle ends when its last page is handed over, and the next one starts from what
 * was committed. Its last batch is partial by nature: waiting for the batch timeout held
 * every cycle's end back by it, and every `--once` run's exit (0.2 s of a 5 s catch-up into
 * a file; a sink with a long timeout held it for that long).
 */
test('sendQueued sends what is queued at once, and what comes after is batched as usual', async () => {
  const sent: number[][] = [];
  const batcher = new Batcher<{ size: number; n: number }>(
    { maxEvents: 10, maxBytes: 1 << 20, timeoutMs: 3_600_000, concurrency: 1 },
    async (batch) => {
      sent.push(batch.map((b) => b.n));
    },
  );
  try {
    for (let n = 0; n < 13; n++) batcher.push({ size: 1, n });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]], 'a full batch leaves, the partial one waits');
    batcher.sendQueued();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent.at(-1), [10, 11, 12], 'the partial batch leaves without its hour-long timeout');
    for (let n = 13; n < 16; n++) batcher.push({ size: 1, n });
    await new Promise((r) => setImmediate(r));
    assert.equal(sent.length, 2, 'later items wait for a full batch again');
    assert.equal(batcher.queued, 3);
  } finally {
    batcher.stop();
  }
});

test('run --once with an hour-long batch timeout delivers everything and exits', async () => {
  const sim = await startSimulator({ seed: 3, backlog: 250, backlogWindowMs: 3600_000, selfEvents: false });
  const dir = tempDir();
  try {
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 100,
        start_at: '2h',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead.jsonl') },
      sinks: {
        archive: {
          type: 'file',
          path: join(dir, 'events.jsonl'),
          format: 'raw',
          batch: { max_events: 1000, timeout: '1h' },
        },
      },
      log: { level: 'warn' },
    });
    const r = await runCli(['run', '--once', '-c', config], { timeoutMs: 30_000 });
    assert.equal(r.signal, null, 'the run had to be killed: it waited for the batch timeout');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      readJsonl<{ id: string }>(join(dir, 'events.jsonl')).map((a) => a.id),
      sim.allActivities().map((a) => a.id),
    );
  } finally {
    await sim.close();
  }
});
