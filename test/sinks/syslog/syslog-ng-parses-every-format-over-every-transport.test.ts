import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, type Certificates } from '../../support/certs';
import { startOrSkip, skipIfMissing } from '../../support/servers';
import { SYSLOG_NG_INSTALL_HINT, startSyslogNg, type SyslogNgServer } from '../../support/syslog-ng';
import { activity, makeSink, records, sendAll } from './records';
import { assertParsedAsSent, messageFor } from './expect-parsed';

/**
 * Every format over every transport into a real syslog-ng, the stricter of the two
 * receivers: its syslog() source takes octet counting only, network() LF only, and it
 * rejects an unescaped "]" in structured data.
 */

let ng: SyslogNgServer | undefined;
let certs: Certificates;
const certDir = mkdtempSync(join(tmpdir(), 'caf-syslog-ng-certs-'));

before(async () => {
  certs = makeCertificates({ dir: certDir, clientCert: true });
  ng = await startOrSkip('syslog-ng', SYSLOG_NG_INSTALL_HINT, () =>
    startSyslogNg({
      tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
      listeners: [
        { name: 'octet', transport: 'tcp', framing: 'octet_counting' },
        { name: 'lf5424', transport: 'tcp', framing: 'lf', protocol: 'rfc5424' },
        { name: 'lf3164', transport: 'tcp', framing: 'lf', protocol: 'rfc3164' },
        { name: 'udp', transport: 'udp' },
        { name: 'tls', transport: 'tls' },
        { name: 'mtls', transport: 'tls', mutualTls: true },
      ],
    }),
  );
});

after(async () => {
  await ng?.dispose();
  rmSync(certDir, { recursive: true, force: true });
});

const TRANSPORTS = [
  {
    name: 'TCP octet counting',
    listener: () => 'octet',
    config: () => ({ transport: 'tcp', framing: 'octet_counting' }),
  },
  {
    name: 'TCP LF',
    listener: (format: string) => (format === 'rfc5424' ? 'lf5424' : 'lf3164'),
    config: () => ({ transport: 'tcp', framing: 'lf' }),
  },
  { name: 'UDP', listener: () => 'udp', config: () => ({ transport: 'udp' }) },
  {
    name: 'TLS',
    listener: () => 'tls',
    config: () => ({ transport: 'tls', tls: { ca_file: certs.caFile } }),
  },
  {
    name: 'mutual TLS',
    listener: () => 'mtls',
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
    test(`${format} over ${transport.name}: syslog-ng parses exactly what was sent`, async (t) => {
      if (skipIfMissing(t, ng, 'syslog-ng') || !ng) return;
      const listener = transport.listener(format);
      const hostname = `ng-case-${++caseNo}.example`;
      const sink = makeSink({
        address: `127.0.0.1:${ng.ports[listener]}`,
        format,
        hostname,
        facility: 'local3',
        ack_delay: '20ms',
        ...transport.config(),
      });
      await sink.start(AbortSignal.timeout(10_000));
      const recs = records(8, (i) =>
        activity({
          type: TYPES[i % TYPES.length],
          actor: { type: 'api_actor', api_key_id: 'apikey_01]"x\\', ip_address: '2001:db8::7' },
        }),
      );
      await sendAll(sink, recs, 3);
      await sink.close();
      const fromThisCase = (m: { hostname: string }): boolean => m.hostname === hostname;
      const got = await ng.waitForMessages(recs.length, { listener, filter: fromThisCase });
      for (const rec of recs) {
        assertParsedAsSent(messageFor(got, rec), rec, {
          format,
          daemon: 'syslog-ng',
          hostname,
          appName: 'claude-audit-forwarder',
          facility: 19,
        });
      }
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(
        ng.messages(listener).filter(fromThisCase).length,
        recs.length,
        'no message split or forged',
      );
      assert.doesNotMatch(ng.log(), /Invalid frame header|Error processing log message/);
    });
  }
}
