import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import type { CheckpointState } from '../../src/checkpoint/state';
import {
  readJsonl,
  startCli,
  tempDir,
  waitFor,
  writeConfig,
  type ForwarderProcess,
} from '../support/forwarder';
import { countIds, staffAccessRow } from '../support/access-transparency';

/**
 * Access Transparency rows are dated when Anthropic recorded them and may appear in the
 * feed two business days later, far behind the poll window. With a kill -9 and a graceful
 * restart between their appearance and the next sweep, every one still reaches every sink
 * exactly once, and a copy re-served with its transparency-log index is delivered too.
 */
test('Access Transparency rows appearing 30-70 h after their created_at reach every sink exactly once across kill -9 and restart', async () => {
  // Rows recorded before the organization's transparency log existed (45 h ago) carry no leaf index.
  const sim = await startSimulator({
    seed: 21,
    backlog: 400,
    backlogWindowMs: 80 * 3_600_000,
    staffAccessRate: 0,
    acceptUnlistedTypes: true,
    accessTransparency: { logCreatedAt: new Date(Date.now() - 45 * 3_600_000) },
  });
  const dir = tempDir();
  const checkpointPath = join(dir, 'checkpoint.json');
  const sinks = { raw: join(dir, 'raw.jsonl'), ocsf: join(dir, 'ocsf.jsonl') };
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 500,
      start_at: '96h',
      lookback: '10m',
      poll_interval: '1s',
      max_requests_per_minute: 600,
      access_transparency: { sweep_interval: '3s' },
    },
    checkpoint: { path: checkpointPath },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      raw: { type: 'file', path: sinks.raw, format: 'raw' },
      ocsf: { type: 'file', path: sinks.ocsf, format: 'ocsf' },
    },
    log: { level: 'warn' },
  });
  const checkpoint = (): CheckpointState =>
    JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState;
  const sweeps = (): number => {
    try {
      return checkpoint().access_transparency?.sweeps ?? 0;
    } catch {
      return 0;
    }
  };
  const delivered = () => ({
    raw: readJsonl<{ id: string; transparency_log_leaf_index?: number }>(sinks.raw),
    ocsf: readJsonl<{ metadata: { uid: string } }>(sinks.ocsf).map((e) => ({ id: e.metadata.uid })),
  });
  let fwd: ForwarderProcess | undefined;
  const start = () => (fwd = startCli(['run', '-c', config]));
  try {
    start();
    await waitFor(() => sweeps() >= 1, 30_000, 'the first sweep');

    const late = [30, 30, 40, 40, 70, 70].map((h, i) =>
      staffAccessRow(h, { type: i % 2 === 0 ? 'anthropic_access' : 'cmek_preserve' }),
    );
    const unindexed = staffAccessRow(50);
    sim.append([...late, unindexed]);
    await fwd!.kill9();

    const before = checkpoint().updated_at;
    start();
    await waitFor(
      () => checkpoint().updated_at !== before,
      30_000,
      'the restarted forwarder to write its checkpoint',
    );
    assert.equal((await fwd!.stop()).code, 0, 'a graceful stop');

    start();
    const wanted = [...late, unindexed].map((a) => a.id);
    await waitFor(
      () => Object.values(delivered()).every((rows) => wanted.every((id) => rows.some((r) => r.id === id))),
      30_000,
      'every late row in every sink',
    );

    // The same row re-served with the transparency-log index it lacked is a new copy (spec §2.9).
    sim.append([{ ...unindexed, transparency_log_leaf_index: 5 }]);
    await waitFor(
      () => delivered().raw.some((r) => r.id === unindexed.id && r.transparency_log_leaf_index === 5),
      30_000,
      'the indexed copy',
    );

    // More sweeps, and a kill -9 right after one: nothing comes again.
    const after = sweeps();
    await waitFor(() => sweeps() >= after + 2, 30_000, 'two more sweeps');
    await fwd!.kill9();
    start();
    const afterRestart = sweeps();
    await waitFor(() => sweeps() >= afterRestart + 1, 30_000, 'a sweep after the restart');
    await fwd!.stop();

    for (const [name, rows] of Object.entries(delivered())) {
      const counts = countIds(rows.map((r) => r.id));
      for (const id of late.map((a) => a.id))
        assert.equal(counts.get(id), 1, `${name}: ${id} delivered exactly once`);
      assert.equal(
        counts.get(unindexed.id),
        2,
        `${name}: the index-less copy and the indexed copy, once each`,
      );
      const everyOther = sim.allIds({ includeSelf: true }).filter((id) => !wanted.includes(id));
      const missing = everyOther.filter(
        (id) =>
          !counts.has(id) &&
          Date.parse(sim.allActivities({ includeSelf: true }).find((a) => a.id === id)!.created_at) <
            Date.parse(checkpoint().watermark!) - 600_000,
      );
      assert.deepEqual(missing, [], `${name}: every other activity too`);
    }
    const state = checkpoint();
    assert.equal(state.access_transparency?.filter, 'server');
    assert.ok(
      (state.access_transparency?.found_late ?? 0) >= 7,
      `the completeness record counts the late rows: ${JSON.stringify(state.access_transparency?.found_late)}`,
    );
    assert.ok(
      state.access_transparency?.delivered.some(([id, , indexed]) => id === unindexed.id && indexed === 1),
    );
  } finally {
    if (fwd && fwd.child.exitCode === null) fwd.child.kill('SIGKILL');
    await sim.close();
  }
});
