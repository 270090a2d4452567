import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { DEFAULT_HEC_TOKEN, startHecReceiver } from '../support/hec-receiver';
import { freePort } from '../support/ports';
import { startCli, tempDir, waitFor, writeConfig } from '../support/forwarder';

/**
 * With its only sink unreachable at start-up the forwarder used to exit 1: on Kubernetes a
 * crash loop whose backoff grows to minutes. Now only configuration errors stop the start; an
 * unreachable destination is retried with the shared backoff while /readyz says which and why,
 * and delivery begins as soon as it answers.
 */
test('the only sink down at start-up keeps the forwarder up and red until it answers', async () => {
  const sim = await startSimulator({ seed: 74, backlog: 300, backlogWindowMs: 3_600_000, rate: 0 });
  const hec = await startHecReceiver({ port: await freePort() });
  await hec.stop();
  const dir = tempDir('caf-only-sink-down-');
  const port = await freePort();
  const config = writeConfig(dir, {
    source: { base_url: sim.url, api_key: sim.apiKey, start_at: '2h', poll_interval: '500ms' },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      splunk: { type: 'splunk_hec', endpoint: hec.url, token: DEFAULT_HEC_TOKEN, format: 'raw' },
    },
    metrics: { listen: `127.0.0.1:${port}` },
    log: { level: 'info' },
  });
  const readyz = async (): Promise<{ status: number; body: string }> => {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    return res ? { status: res.status, body: await res.text() } : { status: 0, body: '' };
  };
  const fwd = startCli(['run', '-c', config]);
  try {
    await waitFor(async () => (await readyz()).status === 503, 20_000, '/readyz answering 503');
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(fwd.child.exitCode, null, `still running: ${fwd.stderr().slice(-1500)}`);
    const r = await readyz();
    assert.equal(r.status, 503);
    assert.match(r.body, /sinks\.splunk/);
    assert.match(r.body, /start-up check/);

    await hec.start();
    await waitFor(
      () => new Set(hec.eventIds()).size >= 300,
      60_000,
      'the backlog delivered once HEC answers',
    );
    await waitFor(async () => (await readyz()).status === 200, 20_000, 'ready');
    fwd.child.kill('SIGTERM');
    assert.equal((await fwd.exited).code, 0, fwd.stderr().slice(-1500));
  } finally {
    if (fwd.child.exitCode === null) fwd.child.kill('SIGKILL');
    await hec.stop();
    await sim.close();
  }
});
