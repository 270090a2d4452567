import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hecAndFileConfig } from './support/hec-and-file';
import { startSimulator } from '../../src/simulator';
import { startHecReceiver } from '../support/hec-receiver';
import { freePort } from '../support/ports';
import { startCli, waitFor } from '../support/forwarder';

/**
 * A sink unreachable at start-up used to stop the start (exit 1: a crash loop on
 * Kubernetes, and nothing delivered anywhere). Now it starts detached and red in readiness
 * while the other sink receives everything; its catch-up lane keeps trying it. When it comes
 * up, the catch-up begins; the forwarder is killed with SIGKILL in the middle of it, and the
 * restarted one resumes the catch-up from the sink's own position in the checkpoint. In the
 * end both sinks hold every activity (HEC may hold some twice: a kill re-sends what was in flight).
 */
test('a sink down at start-up starts detached, and kill -9 mid-catch-up loses nothing', async () => {
  const sim = await startSimulator({ seed: 72, backlog: 3000, backlogWindowMs: 3600_000, rate: 0 });
  const hec = await startHecReceiver({ port: await freePort() });
  await hec.stop();
  const port = await freePort();
  const {
    config,
    fileIds,
    checkpointPath: checkpoint,
  } = hecAndFileConfig({
    sim,
    hec,
    pipeline: { max_buffered_events: 200 },
    metrics: { listen: `127.0.0.1:${port}` },
    hecBatch: { max_events: 20, concurrency: 1 },
  });
  const readyz = async (): Promise<{ status: number; body: string }> => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    return res ? { status: res.status, body: await res.text() } : { status: 0, body: '' };
  };
  let fwd = startCli(['run', '-c', config]);
  try {
    await waitFor(
      () => fileIds().length >= 3000,
      60_000,
      'the whole backlog in the file sink while HEC is down',
    );
    assert.equal(fwd.child.exitCode, null, `the forwarder stays up: ${fwd.stderr().slice(-1500)}`);
    const r = await readyz();
    assert.equal(r.status, 503);
    assert.match(r.body, /sinks\.splunk/);
    assert.match(r.body, /start-up check/);
    const lane = (): { state?: string } | undefined =>
      (JSON.parse(readFileSync(checkpoint, 'utf8')) as { sinks?: Record<string, { state?: string }> }).sinks
        ?.splunk;
    assert.equal(lane()?.state, 'detached', 'the checkpoint keeps HEC’s own position');

    // HEC comes up slowly: kill -9 the forwarder once its catch-up is under way.
    hec.faults.slowMs = 30;
    await hec.start();
    await waitFor(() => hec.eventIds().length >= 500, 30_000, 'the catch-up under way');
    fwd.child.kill('SIGKILL');
    await fwd.exited;
    assert.ok(hec.eventIds().length < 3000, 'killed in the middle of the catch-up');
    assert.equal(lane()?.state, 'catching_up');

    hec.faults.slowMs = 0;
    fwd = startCli(['run', '-c', config]);
    const attached = async (): Promise<boolean> => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
      const text = res ? await res.text() : '';
      return text.includes('claude_audit_forwarder_sink_state{sink="splunk",state="attached"} 1');
    };
    await waitFor(attached, 60_000, 'HEC caught up and attached again');
    assert.equal((await readyz()).status, 200);
    fwd.child.kill('SIGTERM');
    assert.equal((await fwd.exited).code, 0, fwd.stderr().slice(-1500));

    // The backlog, and the forwarder's own compliance_api_accessed rows (self_events: deliver).
    const want = new Set(fileIds());
    assert.ok(want.size >= 3000);
    const have = new Set(hec.eventIds());
    const missing = [...want].filter((id) => !have.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} activities missing from HEC`);
    assert.equal(lane(), undefined, 'attached again: no position of its own');
  } finally {
    if (fwd.child.exitCode === null) fwd.child.kill('SIGKILL');
    await hec.stop();
    await sim.close();
  }
});
