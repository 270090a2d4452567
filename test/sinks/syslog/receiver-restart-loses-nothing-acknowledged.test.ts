import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type Certificates } from '../../support/certs';
import { startOrSkip, skipIfMissing } from '../../support/servers';
import { RSYSLOG_INSTALL_HINT, startRsyslog, type RsyslogServer } from '../../support/rsyslog';
import { drive, makeSink, records } from './records';

/**
 * rsyslog restarted (SIGTERM, as a service restart does) twice while batches stream in
 * over TCP and TLS: every event the sink acknowledged is in rsyslog's output; what was in
 * flight is resent on a new connection (duplicates allowed, losses not).
 */

let rsyslog: RsyslogServer | undefined;
let certs: Certificates;
const certDir = mkdtempSync(join(tmpdir(), 'caf-syslog-restart-'));

before(async () => {
  certs = makeCertificates({ dir: certDir });
  rsyslog = await startOrSkip('rsyslog', RSYSLOG_INSTALL_HINT, () =>
    startRsyslog({
      tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
      listeners: [
        { name: 'tcp', transport: 'tcp' },
        { name: 'tls', transport: 'tls' },
      ],
    }),
  );
});

after(async () => {
  await rsyslog?.dispose();
  rmSync(certDir, { recursive: true, force: true });
});

/** Acknowledged ids of this run, taken as the restart lands. */
async function restartMidStream(
  server: RsyslogServer,
  transport: 'tcp' | 'tls',
  ackDelay: string,
): Promise<{ acked: string[]; ackedBeforeRestarts: number[] }> {
  const sink = makeSink({
    address: `127.0.0.1:${server.ports[transport]}`,
    transport,
    ...(transport === 'tls' ? { tls: { ca_file: certs.caFile } } : {}),
    hostname: `restart-${transport}-${ackDelay}.example`,
    ack_delay: ackDelay,
    retry: { initial_backoff: '50ms', max_backoff: '500ms' },
  });
  await sink.start(AbortSignal.timeout(10_000));
  const recs = records(8_000);
  let ackedCount = 0;
  let finished = false;
  const ackedBeforeRestarts: number[] = [];
  const sending = drive(sink, recs, {
    batchSize: 250,
    concurrency: 8,
    onAck: (ids) => (ackedCount += ids.length),
  }).finally(() => {
    finished = true;
  });
  // Restart only while the stream is flowing, so acknowledged and in-flight batches straddle it.
  for (let i = 0; i < 2; i++) {
    const target = ackedCount + 1_500;
    while (ackedCount < target && !finished) await new Promise((r) => setTimeout(r, 5));
    assert.ok(!finished, `the stream ended before restart ${i + 1}: send more events`);
    ackedBeforeRestarts.push(ackedCount);
    await server.restart();
  }
  const acked = await sending;
  await sink.close();
  assert.ok(
    sink.metrics.connects >= 3,
    `reconnected after each restart (connects: ${sink.metrics.connects})`,
  );
  return { acked, ackedBeforeRestarts };
}

for (const transport of ['tcp', 'tls'] as const) {
  test(`${transport.toUpperCase()}: a receiver restarted twice mid-stream loses nothing the sink acknowledged`, async (t) => {
    if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
    const hostname = `restart-${transport}-1s.example`;
    const { acked, ackedBeforeRestarts } = await restartMidStream(rsyslog, transport, '1s');
    assert.equal(new Set(acked).size, 8_000, 'every event acknowledged once');
    const server = rsyslog;
    await server
      .waitForMessages(8_000, {
        listener: transport,
        filter: (m) => m.hostname === hostname,
        timeoutMs: 30_000,
      })
      .catch(() => undefined);
    const received = server.messages(transport).filter((m) => m.hostname === hostname);
    const ids = new Set(received.map((m) => m.sd['claude@32473']?.id));
    const lost = acked.filter((id) => !ids.has(id));
    t.diagnostic(
      `acknowledged before restarts: ${ackedBeforeRestarts.join(', ')}; received ${received.length} (${received.length - ids.size} duplicates); lost ${lost.length}`,
    );
    assert.deepEqual(lost, [], `acknowledged but never received: ${lost.length}`);
  });
}
