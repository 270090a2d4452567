import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import type { CheckpointState } from '../../src/checkpoint/state';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';
import { countIds, staffAccessRow } from '../support/access-transparency';

/**
 * The activity_types[] enum lacks anthropic_access and cmek_preserve (spec §2.7). Where
 * the API refuses a filter on them (400), the late lane reads its window unfiltered at the
 * API's largest page size, keeps the two types itself, and remembers that, so later sweeps
 * do not ask again.
 */
test('when the API refuses a filter on the Access Transparency types, the lane reads unfiltered at 5000 a page and remembers it', async () => {
  const sim = await startSimulator({
    seed: 5,
    backlog: 300,
    backlogWindowMs: 80 * 3_600_000,
    staffAccessRate: 0,
    acceptUnlistedTypes: false,
  });
  const dir = tempDir();
  const checkpointPath = join(dir, 'checkpoint.json');
  const events = join(dir, 'events.jsonl');
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 100,
      start_at: '96h',
      max_requests_per_minute: 600,
      access_transparency: { sweep_interval: '1s' },
    },
    checkpoint: { path: checkpointPath },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: { archive: { type: 'file', path: events, format: 'raw' } },
    log: { level: 'warn' },
  });
  const runOnce = async (label: string) => {
    const r = await runCli(['run', '--once', '-c', config], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, `${label}: exit ${r.code}\n${r.stderr.slice(-2000)}`);
    return r;
  };
  const laneRequests = () =>
    sim.requests().filter((r) => r.path.includes('anthropic_access') || r.path.includes('limit=5000'));
  try {
    const first = await runOnce('first run');
    assert.match(first.stderr, /refused a filter on anthropic_access, cmek_preserve/);
    const refused = sim.requests().filter((r) => r.path.includes('activity_types%5B%5D=anthropic_access'));
    assert.equal(refused.length, 1, 'the filter is tried once');
    assert.equal(refused[0].status, 400);
    const state = JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState;
    assert.equal(state.access_transparency?.filter, 'client');

    const late = [staffAccessRow(50), staffAccessRow(60, { type: 'cmek_preserve' }), staffAccessRow(45)];
    sim.append(late);
    await new Promise((r) => setTimeout(r, 1100));
    const before = laneRequests().length;
    await runOnce('second run');
    const second = laneRequests().slice(before);
    assert.ok(second.length >= 1, 'the second run swept');
    for (const r of second) {
      assert.doesNotMatch(r.path, /activity_types/, 'no filter asked for again');
      assert.match(r.path, /limit=5000/);
      assert.equal(r.status, 200);
    }
    const counts = countIds(readJsonl<{ id: string }>(events).map((e) => e.id));
    for (const a of late) assert.equal(counts.get(a.id), 1, `${a.id} delivered once`);
    assert.deepEqual(
      [...counts].filter(([, n]) => n > 1),
      [],
      'nothing delivered twice',
    );
  } finally {
    await sim.close();
  }
});
