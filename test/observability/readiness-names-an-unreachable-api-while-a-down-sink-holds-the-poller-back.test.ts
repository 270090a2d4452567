import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hecAndFileConfig } from '../e2e/support/hec-and-file';
import { startSimulator } from '../../src/simulator';
import { startHecReceiver } from '../support/hec-receiver';
import { startHostileApi } from '../support/hostile-api';
import { startCli, waitFor } from '../support/forwarder';
import { freePort } from '../support/ports';

/**
 * A down sink fills max_buffered_events and the poller waits for room, or a cycle waits for
 * the sink to take what it read before the next one starts: either way it makes no requests. An API outage that starts then was invisible: the source stayed green for as
 * long as the sink held the buffer (for good with on_sink_failure: block). While held back,
 * the source now asks the API once per poll_interval, and readiness names it within
 * 2 × (poll_interval + request_timeout) as usual.
 */
for (const [held, maxBuffered] of [
  ['waiting for room in a full buffer', 100],
  ['waiting for its cycle to be committed', 10_000],
] as const)
  test(`readiness names an unreachable API while a down sink holds the poller back, ${held}`, async () => {
    const sim = await startSimulator({ seed: 73, backlog: 600, backlogWindowMs: 3600_000, rate: 20 });
    const hostile = await startHostileApi(sim.url);
    const hec = await startHecReceiver();
    const port = await freePort();
    const { config } = hecAndFileConfig({
      sim: { url: hostile.url, apiKey: sim.apiKey },
      hec,
      source: { request_timeout: '1s' },
      pipeline: { max_buffered_events: maxBuffered, on_sink_failure: 'block' },
      metrics: { listen: `127.0.0.1:${port}` },
    });
    const fwd = startCli(['run', '-c', config]);
    const readyz = async (): Promise<{ status: number; body: string }> => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    try {
      await waitFor(() => hec.eventIds().length >= 100, 30_000, 'HEC receiving');
      await hec.stop();
      // The buffer fills behind HEC and the poller stops asking.
      await waitFor(async () => /sinks\.splunk/.test((await readyz()).body), 30_000, 'readiness naming HEC');
      const playedBefore = hostile.played.length;
      hostile.play(Array.from({ length: 200 }, () => 'trickle' as const));
      const cutAt = Date.now();
      await waitFor(
        async () => /no Compliance API request has succeeded/.test((await readyz()).body),
        // 2 × (poll_interval 0.5 s + request_timeout 1 s), and slack for a loaded machine.
        15_000,
        'readiness naming the source while HEC holds the poller back',
      );
      const tookS = (Date.now() - cutAt) / 1000;
      const asked = hostile.played.length - playedBefore;
      // At most one probe per poll_interval (0.5 s), each dying at request_timeout (1 s).
      assert.ok(
        asked <= Math.ceil(tookS / 0.5) + 3,
        `${asked} requests in ${tookS.toFixed(1)} s while held back`,
      );
      const body = (await readyz()).body;
      assert.match(body, /sinks\.splunk/, 'HEC is still named too');
    } finally {
      if (fwd.child.exitCode === null) fwd.child.kill('SIGKILL');
      await hec.stop().catch(() => undefined);
      await hostile.close();
      await sim.close();
    }
  });
