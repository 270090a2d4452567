import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type Certificates } from '../../support/certs';
import { startOrSkip, skipIfMissing } from '../../support/servers';
import { RSYSLOG_INSTALL_HINT, startRsyslog, type RsyslogServer } from '../../support/rsyslog';
import type { Logger } from '../../../src/observability/logger';
import { SyslogSink } from '../../../src/sinks/syslog';
import { syslogSinkConfig } from '../../../src/sinks/syslog/config';
import { AbortedError } from '../../../src/util/errors';
import { activity, record } from './records';

/**
 * TLS to a real rsyslog (GnuTLS): verification is on by default and fails closed with a
 * message that says what to fix; a receiver demanding a client certificate refuses us
 * without one; while TLS is refused the sink keeps the batch, reports itself unhealthy and
 * logs the error once.
 */

let rsyslog: RsyslogServer | undefined;
let certs: Certificates;
const certDir = mkdtempSync(join(tmpdir(), 'caf-syslog-tls-'));

before(async () => {
  certs = makeCertificates({ dir: certDir, clientCert: true });
  rsyslog = await startOrSkip('rsyslog', RSYSLOG_INSTALL_HINT, () =>
    startRsyslog({
      tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
      listeners: [
        { name: 'tls', transport: 'tls' },
        { name: 'mtls', transport: 'tls', mutualTls: true },
        { name: 'plain', transport: 'tcp' },
      ],
    }),
  );
});

after(async () => {
  await rsyslog?.dispose();
  rmSync(certDir, { recursive: true, force: true });
});

interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly meta?: Record<string, unknown>;
}

function capturingLogger(entries: LogEntry[]): Logger {
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    void entries.push({ level, message, meta });
  const logger: Logger = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: () => logger,
  };
  return logger;
}

function sink(config: Record<string, unknown>, entries: LogEntry[] = []): SyslogSink {
  const parsed = syslogSinkConfig.parse({
    type: 'syslog',
    transport: 'tls',
    connect_timeout: '2s',
    ack_delay: '300ms',
    ...config,
  });
  return new SyslogSink('siem', parsed, {
    logger: capturingLogger(entries),
    hostname: 'h',
    version: 't',
    baseDir: process.cwd(),
  });
}

const cases: [string, () => Record<string, unknown>, RegExp][] = [
  [
    'a server certificate from a CA we were not told to trust',
    () => ({ tls: { ca_file: certs.otherCaFile } }),
    /its certificate is signed by a CA this process does not trust.*set sinks\.siem\.tls\.ca_file to the CA that signed it/,
  ],
  [
    'a private CA and only the system trust store',
    () => ({}),
    /does not trust.*set sinks\.siem\.tls\.ca_file/,
  ],
  [
    'a certificate that does not carry the name we expect',
    () => ({ tls: { ca_file: certs.caFile, server_name: 'siem.example.com' } }),
    /its certificate does not name the host.*sinks\.siem\.tls\.server_name/,
  ],
  [
    'a receiver that requires a client certificate, and none configured',
    () => ({ mtls: true, tls: { ca_file: certs.caFile } }),
    /closed the connection right after the TLS handshake: it may require a client certificate.*set sinks\.siem\.tls\.cert_file and key_file/,
  ],
];

for (const [name, config, expected] of cases) {
  test(`start() refuses ${name}, saying what to fix`, async (t) => {
    if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
    const { mtls, ...rest } = config() as { mtls?: boolean };
    const s = sink({ address: `127.0.0.1:${rsyslog.ports[mtls ? 'mtls' : 'tls']}`, ...rest });
    await assert.rejects(s.start(AbortSignal.timeout(10_000)), (err: Error) => {
      assert.match(
        err.message,
        /^cannot use the syslog receiver at tls:\/\/127\.0\.0\.1:\d+: TLS (with )?syslog receiver/,
      );
      assert.match(err.message, expected);
      return true;
    });
    await s.close();
  });
}

test('start() says when the port does not speak TLS', async (t) => {
  if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
  const s = sink({
    address: `127.0.0.1:${rsyslog.ports.plain}`,
    connect_timeout: '1s',
    tls: { ca_file: certs.caFile },
  });
  await assert.rejects(
    s.start(AbortSignal.timeout(10_000)),
    /no TLS session within 1000 ms.*does this port speak TLS/,
  );
  await s.close();
});

test('verify: false connects to an untrusted receiver, and says in the log that it is insecure', async (t) => {
  if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
  const entries: LogEntry[] = [];
  const s = sink(
    { address: `127.0.0.1:${rsyslog.ports.tls}`, tls: { verify: false }, hostname: 'insecure.example' },
    entries,
  );
  assert.ok(entries.some((e) => e.level === 'warn' && /verification is OFF/.test(e.message)));
  await s.start(AbortSignal.timeout(10_000));
  const rec = record(activity());
  await s.send([s.encode(rec)], AbortSignal.timeout(10_000));
  await s.close();
  await rsyslog.waitForMessages(1, { listener: 'tls', filter: (m) => m.hostname === 'insecure.example' });
});

test('while TLS is refused, send() keeps the batch, retries slowly, is unhealthy and logs the error once', async (t) => {
  if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
  const entries: LogEntry[] = [];
  const s = sink(
    {
      address: `127.0.0.1:${rsyslog.ports.tls}`,
      tls: { ca_file: certs.otherCaFile },
      retry: { initial_backoff: '50ms', max_backoff: '300ms' },
    },
    entries,
  );
  const controller = new AbortController();
  const sending = s.send([s.encode(record(activity()))], controller.signal);
  await new Promise((r) => setTimeout(r, 1500));
  controller.abort();
  await assert.rejects(sending, AbortedError);
  assert.ok(s.stats.retries >= 3, `kept retrying (${s.stats.retries})`);
  assert.ok(s.stats.retries <= 8, `slowly, at max_backoff (${s.stats.retries})`);
  const health = s.health();
  assert.equal(health.healthy, false);
  assert.match(health.detail ?? '', /does not trust.*sinks\.siem\.tls\.ca_file/);
  assert.equal(
    entries.filter((e) => e.level === 'error').length,
    1,
    'one error per episode, not one per attempt',
  );
  await s.close();
});
