import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import { runCli, tempDir } from '../support/forwarder';
import { activity, emptyFeed, userActor } from './support/feed';

/**
 * `query` and `export` read with the config's own source section: they keep to its
 * `max_requests_per_minute` (the tenant's 600/min is shared), and they never read, write or
 * create the forwarder's checkpoint, so a running forwarder is not disturbed and nothing is
 * resumed.
 */
const PER_MINUTE = 30;
let sim: SimulatorHandle;
let dir: string;
let config: string;
let checkpoint: string;
let checkpointText: string;

before(async () => {
  sim = await emptyFeed();
  // Spread over five hours: a burst would be read in many near-empty slices.
  sim.append(
    Array.from({ length: 100 }, (_, i) =>
      activity(
        sim,
        5 + i * 3,
        'claude_chat_created',
        userActor('user_01RateShare0000000000001', 'ada@example.com'),
      ),
    ),
  );
  dir = tempDir('caf-query-share-');
  checkpoint = join(dir, 'data', 'checkpoint.json');
  config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `source:\n  base_url: ${sim.url}\n  api_key: ${sim.apiKey}\n  page_size: 20\n  backfill_concurrency: 1\n  max_requests_per_minute: ${PER_MINUTE}\n` +
      `checkpoint:\n  path: ${checkpoint}\ndead_letter:\n  path: ${join(dir, 'data', 'dead-letter.jsonl')}\nsinks:\n  out: {type: stdout}\n`,
  );
  // The checkpoint of a forwarder that delivered up to an hour ago: a resume would start there.
  mkdirSync(join(dir, 'data'));
  checkpointText = JSON.stringify(
    Checkpointer.fresh(sim.url, new Date(Date.now() - 3_600_000).toISOString()),
  );
  writeFileSync(checkpoint, checkpointText);
});
after(() => sim?.close());

test('export keeps its requests spaced by max_requests_per_minute', async () => {
  const before = sim.requests().length;
  const r = await runCli(['export', '-c', config, '--since', '6h', '--out', join(dir, 'case')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /exported 100 activities/);
  const starts = sim
    .requests()
    .slice(before)
    .filter((q) => q.path.startsWith('/v1/compliance/activities'))
    .map((q) => q.time);
  assert.ok(starts.length >= 5, `${starts.length} requests`);
  const spacing = 60_000 / PER_MINUTE;
  for (let i = 1; i < starts.length; i++)
    assert.ok(
      starts[i] - starts[i - 1] >= spacing - 50,
      `request ${i} came ${starts[i] - starts[i - 1]} ms after the one before`,
    );
});

test('query and export leave the checkpoint as it was, and create nothing beside it', async () => {
  for (const args of [
    ['query', '-c', config, '--since', '6h', '--format', 'json'],
    ['export', '-c', config, '--since', '6h', '--out', join(dir, 'case-2')],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(checkpoint, 'utf8'), checkpointText, `${args[0]} changed the checkpoint`);
    assert.deepEqual(readdirSync(join(dir, 'data')), ['checkpoint.json'], `${args[0]} wrote beside it`);
  }
  // From the window asked for, not from the checkpoint's position an hour ago.
  const r = await runCli(['query', '-c', config, '--since', '6h', '--format', 'json']);
  assert.equal(r.stdout.trim().split('\n').length, 100);
});
