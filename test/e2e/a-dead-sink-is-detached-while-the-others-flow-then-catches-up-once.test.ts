import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hecAndFileConfig } from './support/hec-and-file';
import { startSimulator } from '../../src/simulator';
import { startHecReceiver } from '../support/hec-receiver';
import { freePort } from '../support/ports';
import { startCli, waitFor } from '../support/forwarder';

/**
 * pipeline.on_sink_failure: isolate (the default). Splunk HEC goes down while a file sink
 * and live activity go on. With one checkpoint for every sink, the file sink stalled once
 * max_buffered_events filled; now HEC is detached within health.unhealthy_after, readiness
 * names it, the file keeps receiving, and when HEC is back its catch-up lane reads the API
 * again for it alone: every activity reaches both sinks, and neither gets one twice.
 */
test('a dead sink is detached while the others flow, then catches up with nothing lost or twice', async () => {
  const sim = await startSimulator({ seed: 71, backlog: 200, backlogWindowMs: 3600_000, rate: 20 });
  const hec = await startHecReceiver();
  const port = await freePort();
  const { config, fileIds } = hecAndFileConfig({
    sim,
    hec,
    pipeline: { max_buffered_events: 100 },
    metrics: { listen: `127.0.0.1:${port}` },
  });
  const fwd = startCli(['run', '-c', config]);
  const hecIds = (): string[] => hec.eventIds();
  const readyz = async (): Promise<{ status: number; body: string }> => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: res.status, body: await res.text() };
  };
  const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  try {
    await waitFor(
      () => fileIds().length >= 200 && hecIds().length >= 200,
      30_000,
      'the backlog in both sinks',
    );
    await waitFor(async () => (await readyz()).status === 200, 10_000, 'ready');

    await hec.stop();
    const downAt = Date.now();
    await waitFor(
      async () => {
        const r = await readyz();
        return r.status === 503 && r.body.includes('sinks.splunk') && r.body.includes('detached');
      },
      2000 + 5000 + 3000,
      'readiness naming the detached HEC sink',
    );
    assert.ok(Date.now() - downAt <= 2000 + 5000 + 1000, 'readiness turned within unhealthy_after + 5 s');
    const m = await metrics();
    assert.match(m, /claude_audit_forwarder_sink_state\{sink="splunk",state="detached"\} 1/);
    assert.match(m, /claude_audit_forwarder_sink_healthy\{sink="splunk",type="splunk_hec"\} 0/);

    // The file sink keeps receiving live activity, well past what the buffer could hold.
    const fileAtDetach = fileIds().length;
    await waitFor(
      () => fileIds().length >= fileAtDetach + 150,
      20_000,
      'the file sink flowing while HEC is down',
    );

    await hec.start();
    await waitFor(
      async () =>
        (await metrics()).includes('claude_audit_forwarder_sink_state{sink="splunk",state="attached"} 1'),
      40_000,
      'HEC caught up and attached again',
    );
    // Both sinks now move together: stop the feed, let them settle, compare.
    sim.setRate(0);
    const settled = fileIds().length;
    await waitFor(
      () => new Set(hecIds()).size >= new Set(fileIds()).size && fileIds().length >= settled,
      20_000,
      'HEC holding everything the file sink holds',
    );
    fwd.child.kill('SIGTERM');
    const exit = await fwd.exited;
    assert.equal(exit.code, 0, fwd.stderr().slice(-2000));

    const inFile = fileIds({ finished: true });
    const inHec = hecIds();
    assert.equal(new Set(inFile).size, inFile.length, 'the file sink got no activity twice');
    assert.equal(new Set(inHec).size, inHec.length, 'HEC got no activity twice (catch-up deduplicated)');
    const hecSet = new Set(inHec);
    const missing = inFile.filter((id) => !hecSet.has(id));
    assert.deepEqual(
      missing.slice(0, 5),
      [],
      `${missing.length} activities the file sink has are missing from HEC`,
    );
    assert.match(fwd.stdout() + fwd.stderr(), /sink detached/);
    assert.match(fwd.stdout() + fwd.stderr(), /attached again/);
  } finally {
    if (fwd.child.exitCode === null) fwd.child.kill('SIGKILL');
    await hec.stop();
    await sim.close();
  }
});
