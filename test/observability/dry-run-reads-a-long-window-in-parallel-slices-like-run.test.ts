import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * `run --dry-run` reads the feed with the same source component as `run`: a window far
 * longer than the lookback is cut into created_at slices read `backfill_concurrency` at a
 * time, and what it prints is still every activity once, in order.
 */
let sim: SimulatorHandle;
let dir: string;

before(async () => {
  sim = await startSimulator({ seed: 44, backlog: 300, backlogWindowMs: 20 * 3600_000, selfEvents: false });
  dir = tempDir('caf-dry-backfill-');
});
after(() => sim?.close());

test('a 24-hour window is read in parallel slices, and every activity is printed once, in order', async () => {
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 50,
      start_at: '24h',
      backfill_concurrency: 4,
      max_requests_per_minute: 600,
    },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'ocsf' } },
    metrics: { enabled: false },
  });
  const r = await runCli(['run', '--dry-run', '--limit', '0', '-c', config]);
  assert.equal(r.code, 0, r.stderr);
  // The poller says when it slices; stdout carries only the printed events.
  const logs = r.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { message: string; concurrency?: number });
  const sliced = logs.find(
    (l) => l.message === 'backfill: reading the rest of the window in parallel slices',
  );
  assert.equal(sliced?.concurrency, 4, r.stderr);
  const printed = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { metadata: { uid: string } }).metadata.uid);
  assert.deepEqual(
    printed,
    sim.allActivities().map((a) => a.id),
  );
});
