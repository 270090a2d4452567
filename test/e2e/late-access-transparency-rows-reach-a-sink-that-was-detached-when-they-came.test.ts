import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { hecAndFileConfig } from './support/hec-and-file';
import { startSimulator } from '../../src/simulator';
import type { CheckpointState } from '../../src/checkpoint/state';
import { startHecReceiver } from '../support/hec-receiver';
import { startCli, waitFor } from '../support/forwarder';
import { staffAccessRow } from '../support/access-transparency';

/**
 * Access Transparency rows can appear two business days after their created_at: far behind
 * where a detached sink's catch-up lane reads. Found by the late lane while HEC was detached,
 * they reach the file sink at once; the checkpoint records that HEC is owed them, and its
 * catch-up fetches them by date before HEC is attached again.
 */
test('late Access Transparency rows found while a sink is detached reach it when it catches up', async () => {
  const sim = await startSimulator({
    seed: 73,
    backlog: 300,
    backlogWindowMs: 3_600_000,
    rate: 2,
    staffAccessRate: 0,
    acceptUnlistedTypes: true,
  });
  const hec = await startHecReceiver();
  const {
    config,
    fileIds: fileIdList,
    checkpointPath,
  } = hecAndFileConfig({
    sim,
    hec,
    source: { start_at: '96h', access_transparency: { sweep_interval: '2s' } },
  });
  const checkpoint = (): CheckpointState | undefined =>
    existsSync(checkpointPath)
      ? (JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState)
      : undefined;
  const fileIds = (): Set<string> => new Set(fileIdList());
  const fwd = startCli(['run', '-c', config]);
  try {
    await waitFor(() => (checkpoint()?.access_transparency?.sweeps ?? 0) >= 1, 30_000, 'the first sweep');
    await hec.stop();
    await waitFor(() => checkpoint()?.sinks?.splunk !== undefined, 15_000, 'HEC detached');

    const late = [30, 40, 50].map((h) => staffAccessRow(h));
    sim.append(late);
    await waitFor(() => late.every((r) => fileIds().has(r.id)), 20_000, 'the late rows in the file sink');
    await waitFor(
      () => (checkpoint()?.sinks?.splunk?.owed_late?.length ?? 0) === late.length,
      5_000,
      'the checkpoint recording that HEC is owed them',
    );

    await hec.start();
    await waitFor(
      () => checkpoint()?.sinks?.splunk === undefined,
      40_000,
      'HEC caught up and attached again',
    );
    const inHec = hec.eventIds();
    for (const r of late) assert.ok(inHec.includes(r.id), `HEC got the late row ${r.id}`);
    assert.equal(inHec.filter((id) => late.some((r) => r.id === id)).length, late.length, 'each once');
    fwd.child.kill('SIGTERM');
    assert.equal((await fwd.exited).code, 0, fwd.stderr().slice(-1500));
  } finally {
    if (fwd.child.exitCode === null) fwd.child.kill('SIGKILL');
    await hec.stop();
    await sim.close();
  }
});
