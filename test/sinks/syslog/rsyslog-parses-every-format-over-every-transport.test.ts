import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type Certificates } from '../../support/certs';
import { startOrSkip, skipIfMissing } from '../../support/servers';
import { RSYSLOG_INSTALL_HINT, startRsyslog, type RsyslogServer } from '../../support/rsyslog';
import { activity, makeSink, records, sendAll } from './records';
import { assertParsedAsSent, messageFor } from './expect-parsed';

/**
 * Every format (RFC 5424, RFC 3164, CEF, LEEF) over every transport (TCP octet-counted, TCP
 * LF, UDP, TLS, mutual TLS) into a real rsyslogd; the test reads what rsyslog parsed.
 */

let rsyslog: RsyslogServer | undefined;
let certs: Certificates;
const certDir = mkdtempSync(join(tmpdir(), 'caf-syslog-certs-'));

before(async () => {
  certs = makeCertificates({ dir: certDir, clientCert: true });
  rsyslog = await startOrSkip('rsyslog', RSYSLOG_INSTALL_HINT, () =>
    startRsyslog({
      tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
      listeners: [
        { name: 'tcp', transport: 'tcp' },
        { name: 'udp', transport: 'udp' },
        { name: 'tls', transport: 'tls' },
        { name: 'mtls', transport: 'tls', mutualTls: true },
      ],
    }),
  );
});

after(async () => {
  await rsyslog?.dispose();
  rmSync(certDir, { recursive: true, force: true });
});

const TRANSPORTS = [
  {
    name: 'TCP octet counting',
    listener: 'tcp',
    config: () => ({ transport: 'tcp', framing: 'octet_counting' }),
  },
  { name: 'TCP LF', listener: 'tcp', config: () => ({ transport: 'tcp', framing: 'lf' }) },
  { name: 'UDP', listener: 'udp', config: () => ({ transport: 'udp' }) },
  { name: 'TLS', listener: 'tls', config: () => ({ transport: 'tls', tls: { ca_file: certs.caFile } }) },
  {
    name: 'mutual TLS',
    listener: 'mtls',
    config: () => ({
      transport: 'tls',
      tls: { ca_file: certs.caFile, cert_file: certs.clientCertFile, key_file: certs.clientKeyFile },
    }),
  },
] as const;

const TYPES = [
  'org_user_invite_sent',
  'platform_api_key_deleted',
  'compliance_api_accessed',
  'claude_code_security_scan_project_visibility_updated',
];
let caseNo = 0;

for (const format of ['rfc5424', 'rfc3164', 'cef', 'leef'] as const) {
  for (const transport of TRANSPORTS) {
    test(`${format} over ${transport.name}: rsyslog parses exactly what was sent`, async (t) => {
      if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
      const hostname = `case-${++caseNo}.example`;
      const sink = makeSink({
        address: `127.0.0.1:${rsyslog.ports[transport.listener]}`,
        format,
        hostname,
        facility: 'local3',
        ack_delay: '20ms',
        ...transport.config(),
      });
      await sink.start(AbortSignal.timeout(10_000));
      const recs = records(8, (i) => activity({ type: TYPES[i % TYPES.length] }));
      await sendAll(sink, recs, 3);
      await sink.close();
      const fromThisCase = (m: { hostname: string }): boolean => m.hostname === hostname;
      const got = await rsyslog.waitForMessages(recs.length, {
        listener: transport.listener,
        filter: fromThisCase,
      });
      for (const rec of recs) {
        assertParsedAsSent(messageFor(got, rec), rec, {
          format,
          daemon: 'rsyslog',
          hostname,
          appName: 'claude-audit-forwarder',
          facility: 19,
        });
      }
      // Nothing more arrives than was sent (no message split in two).
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(rsyslog.messages(transport.listener).filter(fromThisCase).length, recs.length);
      assert.equal(sink.metrics.messagesSent, recs.length);
    });
  }
}

test('LEEF with a "^" delimiter reaches rsyslog untouched (TAB would be written as #011)', async (t) => {
  if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
  const hostname = 'leef-caret.example';
  const sink = makeSink({
    address: `127.0.0.1:${rsyslog.ports.tcp}`,
    transport: 'tcp',
    format: 'leef',
    leef_delimiter: '^',
    hostname,
    ack_delay: '20ms',
  });
  await sink.start(AbortSignal.timeout(10_000));
  const recs = records(3);
  await sendAll(sink, recs);
  await sink.close();
  const got = await rsyslog.waitForMessages(3, { listener: 'tcp', filter: (m) => m.hostname === hostname });
  for (const rec of recs) {
    const m = messageFor(got, rec);
    assert.ok(!m.msg.includes('#011'));
    assertParsedAsSent(m, rec, {
      format: 'leef',
      daemon: 'rsyslog',
      hostname,
      appName: '',
      facility: 10,
      leefDelimiter: '^',
    });
  }
});
