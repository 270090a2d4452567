import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ocsfSeverityId } from '../../src/normalize';
import { startSimulator } from '../../src/simulator';
import type { Activity } from '../../src/source/activity';
import { startHecReceiver } from '../support/hec-receiver';
import { freePort } from '../support/ports';
import { startCli, waitFor } from '../support/forwarder';
import { hecAndFileConfig } from './support/hec-and-file';

const selects = (a: Activity): boolean =>
  /_(created|deleted)$/.test(a.type) && ocsfSeverityId(a) >= 2 && ocsfSeverityId(a) <= 6;

/**
 * A filtered HEC sink is down at start-up, so it is detached while the file sink takes
 * everything; when HEC comes up, its catch-up lane reads the feed again for it alone. That
 * lane applies the sink's filter like the main lane: HEC ends with exactly its selection,
 * and, attached again, the sink's own position is gone from the checkpoint.
 */
test("a detached sink's catch-up lane delivers exactly what its filter selects", async () => {
  const sim = await startSimulator({ seed: 73, backlog: 1500, backlogWindowMs: 3600_000, rate: 0 });
  const hec = await startHecReceiver({ port: await freePort() });
  await hec.stop();
  const { config, fileIds, checkpointPath } = hecAndFileConfig({
    sim,
    hec,
    hecRouting: { filter: { activity_types: ['*_created', '*_deleted'], min_severity: 'low' } },
  });
  const lanes = (): Record<string, unknown> =>
    (JSON.parse(readFileSync(checkpointPath, 'utf8')) as { sinks?: Record<string, unknown> }).sinks ?? {};
  const fwd = startCli(['run', '-c', config]);
  try {
    await waitFor(() => fileIds().length >= 1500, 60_000, 'the backlog in the file sink while HEC is down');
    assert.ok('splunk' in lanes(), 'HEC is detached, with its own position');
    await hec.start();
    // Our own compliance_api_accessed rows keep arriving: looked up afresh each time.
    const expected = () => {
      const byId = new Map(sim.allActivities({ includeSelf: true }).map((a) => [a.id, a]));
      return fileIds().filter((id) => selects(byId.get(id)!));
    };
    await waitFor(
      () => !('splunk' in lanes()) && new Set(hec.eventIds()).size >= expected().length,
      60_000,
      'HEC caught up with its selection and attached again',
    );
    fwd.child.kill('SIGTERM');
    assert.equal((await fwd.exited).code, 0, fwd.stderr().slice(-1500));
    const want = new Set(expected());
    const have = new Set(hec.eventIds());
    assert.ok(want.size > 0 && want.size < fileIds().length, 'the filter selects a part');
    assert.deepEqual(
      [...have].filter((id) => !want.has(id)),
      [],
      'nothing the filter leaves out',
    );
    assert.deepEqual(
      [...want].filter((id) => !have.has(id)),
      [],
      'everything it selects',
    );
  } finally {
    if (fwd.child.exitCode === null) fwd.child.kill('SIGKILL');
    await hec.stop();
    await sim.close();
  }
});
