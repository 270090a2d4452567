import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { hecAndFileConfig } from './support/hec-and-file';
import { startSimulator } from '../../src/simulator';
import type { CheckpointState } from '../../src/checkpoint/state';
import { startHecReceiver } from '../support/hec-receiver';
import { runCli, startCli, waitFor } from '../support/forwarder';

/**
 * `run --once` runs in lock-step, but a checkpoint can hold a sink a daemon detached (a
 * deployment moved to cron, or a one-off run). The run resumes that sink's catch-up and, once
 * its cycle is committed, gives it until shutdown_timeout to reach the main lane and be
 * attached: otherwise a sink detached once would stay detached under cron for ever.
 */
test('run --once catches up and attaches a sink a daemon left detached', async () => {
  const sim = await startSimulator({ seed: 75, backlog: 400, backlogWindowMs: 3_600_000, rate: 0 });
  const hec = await startHecReceiver();
  await hec.stop();
  const { config, fileIds, checkpointPath } = hecAndFileConfig({ sim, hec, hecBatch: { concurrency: 1 } });
  const checkpoint = (): CheckpointState | undefined =>
    existsSync(checkpointPath)
      ? (JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState)
      : undefined;
  const daemon = startCli(['run', '-c', config]);
  try {
    await waitFor(() => fileIds().length >= 400, 30_000, 'the backlog in the file sink');
    await waitFor(() => checkpoint()?.sinks?.splunk !== undefined, 10_000, 'HEC detached in the checkpoint');
    await daemon.stop();
  } finally {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  }
  await hec.start();
  try {
    const once = await runCli(['run', '--once', '-c', config], { timeoutMs: 90_000 });
    assert.equal(once.code, 0, once.stderr.slice(-1500));
    assert.equal(checkpoint()?.sinks?.splunk, undefined, 'attached again');
    const have = new Set(hec.eventIds());
    const missing = fileIds().filter((id) => !have.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} missing from HEC`);
  } finally {
    await hec.stop();
    await sim.close();
  }
});
