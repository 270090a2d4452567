import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../../src/simulator';
import { makeCertificates, type Certificates } from '../../support/certs';
import { startCli, tempDir, waitFor, writeConfig, type ForwarderProcess } from '../../support/forwarder';
import { startOrSkip, skipIfMissing } from '../../support/servers';
import { RSYSLOG_INSTALL_HINT, startRsyslog, type RsyslogServer } from '../../support/rsyslog';

/**
 * The whole forwarder (CLI, poller, pipeline, checkpoint) delivering over TLS to a real
 * rsyslog that is restarted mid-stream, twice, while the forwarder itself is SIGKILLed and
 * restarted in between: every id the checkpoint committed is in rsyslog's output after
 * each kill, and at the end every activity the API served is there.
 */

const HOSTNAME = 'e2e-forwarder.example';
let rsyslog: RsyslogServer | undefined;
let certs: Certificates;
const dir = tempDir('caf-syslog-e2e-');

before(async () => {
  certs = makeCertificates({ dir: join(dir, 'certs') });
  rsyslog = await startOrSkip('rsyslog', RSYSLOG_INSTALL_HINT, () =>
    startRsyslog({
      tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
      listeners: [{ name: 'tls', transport: 'tls' }],
    }),
  );
});

after(async () => {
  await rsyslog?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function receivedIds(server: RsyslogServer): string[] {
  return server
    .messages('tls')
    .filter((m) => m.hostname === HOSTNAME)
    .map((m) => m.sd['claude@32473']?.id ?? '?');
}

test('TLS to rsyslog: receiver restarts and forwarder SIGKILLs lose nothing', async (t) => {
  if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
  const server = rsyslog;
  const sim = await startSimulator({ seed: 55, backlog: 1500, backlogWindowMs: 3600_000, rate: 20 });
  const checkpointPath = join(dir, 'checkpoint.json');
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 200,
      start_at: '2h',
      lookback: '5m',
      poll_interval: '500ms',
      max_requests_per_minute: 600,
    },
    pipeline: { max_buffered_events: 1000 },
    checkpoint: { path: checkpointPath },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      siem: {
        type: 'syslog',
        address: `127.0.0.1:${server.ports.tls}`,
        transport: 'tls',
        tls: { ca_file: certs.caFile },
        hostname: HOSTNAME,
        retry: { initial_backoff: '100ms', max_backoff: '1s' },
        batch: { max_events: 100, timeout: '50ms' },
      },
    },
    metrics: { enabled: false },
    log: { level: 'info' },
  });
  const started: ForwarderProcess[] = [];
  try {
    for (let round = 0; round < 2; round++) {
      const fwd = startCli(['run', '-c', config]);
      started.push(fwd);
      const before = receivedIds(server).length;
      await waitFor(
        () => receivedIds(server).length > before + 200 || fwd.child.exitCode !== null,
        60_000,
        'delivery to rsyslog',
      );
      assert.equal(fwd.child.exitCode, null, `forwarder exited on its own: ${fwd.stderr().slice(-1500)}`);
      // The receiver restarts while batches are in flight...
      await server.restart();
      await waitFor(
        () => receivedIds(server).length > before + 600 || fwd.child.exitCode !== null,
        60_000,
        'delivery to resume after the restart',
      );
      assert.match(fwd.stderr(), /syslog send failed; will retry/, 'the restart hit batches in flight');
      // ...and the forwarder dies without warning.
      await fwd.kill9();
      const cp = existsSync(checkpointPath)
        ? (JSON.parse(readFileSync(checkpointPath, 'utf8')) as { seen: [string, number][] })
        : { seen: [] };
      await new Promise((r) => setTimeout(r, 500)); // rsyslog writes its queue
      const have = new Set(receivedIds(server));
      const committedButAbsent = cp.seen.map(([id]) => id).filter((id) => !have.has(id));
      assert.deepEqual(committedButAbsent, [], `round ${round + 1}: checkpointed ids missing from rsyslog`);
    }
    sim.setRate(0);
    await new Promise((r) => setTimeout(r, 1500));
    const cutoff = Date.now();
    const want = sim
      .allActivities({ includeSelf: true })
      .filter((a) => Date.parse(a.created_at) < cutoff)
      .map((a) => a.id);
    const final = startCli(['run', '-c', config]);
    started.push(final);
    await waitFor(
      () => {
        const have = new Set(receivedIds(server));
        return want.every((id) => have.has(id));
      },
      60_000,
      'the final run to catch up',
    ).catch((err: unknown) => {
      const have = new Set(receivedIds(server));
      throw new Error(
        `${String(err)}: ${want.filter((id) => !have.has(id)).length} of ${want.length} missing\n${final.stderr().slice(-1500)}`,
      );
    });
    const r = await final.stop();
    assert.equal(r.code, 0, `graceful stop exits 0: ${r.stderr.slice(-1500)}`);
    const all = receivedIds(server);
    const unique = new Set(all);
    assert.deepEqual(
      want.filter((id) => !unique.has(id)),
      [],
    );
    t.diagnostic(`activities=${want.length} messages=${all.length} duplicates=${all.length - unique.size}`);
  } finally {
    for (const p of started) void p.kill9();
    await sim.close();
  }
});
