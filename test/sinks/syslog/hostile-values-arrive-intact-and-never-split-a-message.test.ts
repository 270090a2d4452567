import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrSkip, skipIfMissing } from '../../support/servers';
import { RSYSLOG_INSTALL_HINT, startRsyslog, type RsyslogServer } from '../../support/rsyslog';
import { SYSLOG_NG_INSTALL_HINT, startSyslogNg, type SyslogNgServer } from '../../support/syslog-ng';
import type { ReceivedSyslogMessage } from '../../support/syslog-receiver';
import { TRUNCATION_MARKER } from '../../../src/sinks/syslog/encode';
import { HOSTILE_VALUES, hostileActivity, makeSink, record, sendAll } from './records';
import { assertParsedAsSent, messageFor } from './expect-parsed';

/**
 * Quotes, "]", "\", "|", "=", CR/LF, NUL, unicode, 3 KB strings and values that are whole
 * syslog messages, in every field the sink carries, through both real receivers: each
 * arrives as one message, parsed to exactly what was sent, and nothing is forged.
 */

let rsyslog: RsyslogServer | undefined;
let ng: SyslogNgServer | undefined;

before(async () => {
  rsyslog = await startOrSkip('rsyslog', RSYSLOG_INSTALL_HINT, () =>
    startRsyslog({
      listeners: [
        { name: 'tcp', transport: 'tcp' },
        { name: 'udp', transport: 'udp' },
      ],
    }),
  );
  ng = await startOrSkip('syslog-ng', SYSLOG_NG_INSTALL_HINT, () =>
    startSyslogNg({
      listeners: [
        { name: 'octet', transport: 'tcp', framing: 'octet_counting' },
        { name: 'lf5424', transport: 'tcp', framing: 'lf', protocol: 'rfc5424' },
        { name: 'lf3164', transport: 'tcp', framing: 'lf', protocol: 'rfc3164' },
        { name: 'udp', transport: 'udp' },
      ],
    }),
  );
});

after(async () => {
  await rsyslog?.dispose();
  await ng?.dispose();
});

interface Receiver {
  readonly daemon: 'rsyslog' | 'syslog-ng';
  readonly server: () => RsyslogServer | SyslogNgServer | undefined;
  readonly listener: (framing: string, format: string) => string;
}

const RECEIVERS: readonly Receiver[] = [
  { daemon: 'rsyslog', server: () => rsyslog, listener: (framing) => (framing === 'udp' ? 'udp' : 'tcp') },
  {
    daemon: 'syslog-ng',
    server: () => ng,
    listener: (framing, format) =>
      framing === 'udp'
        ? 'udp'
        : framing === 'octet_counting'
          ? 'octet'
          : format === 'rfc5424'
            ? 'lf5424'
            : 'lf3164',
  },
];

const FRAMINGS = [
  { name: 'octet counting', key: 'octet_counting', config: { transport: 'tcp', framing: 'octet_counting' } },
  { name: 'LF', key: 'lf', config: { transport: 'tcp', framing: 'lf' } },
  // Big enough for the 3 KB values: truncation has its own test below.
  { name: 'UDP', key: 'udp', config: { transport: 'udp', max_message_bytes: '60KB' } },
] as const;

let caseNo = 0;

for (const receiver of RECEIVERS) {
  for (const framing of FRAMINGS) {
    for (const format of ['rfc5424', 'rfc3164', 'cef', 'leef'] as const) {
      test(`${receiver.daemon}, ${framing.name}, ${format}: hostile values arrive intact, one message each`, async (t) => {
        const server = receiver.server();
        if (skipIfMissing(t, server, receiver.daemon) || !server) return;
        const listener = receiver.listener(framing.key, format);
        const hostname = `hostile-${++caseNo}.example`;
        const sink = makeSink({
          address: `127.0.0.1:${server.ports[listener]}`,
          format,
          hostname,
          ack_delay: '20ms',
          ...framing.config,
        });
        await sink.start(AbortSignal.timeout(10_000));
        const recs = HOSTILE_VALUES.map((v, i) => record(hostileActivity(v, i)));
        await sendAll(sink, recs, 4);
        await sink.close();

        const mine = (m: ReceivedSyslogMessage): boolean => m.hostname === hostname;
        const got = await server.waitForMessages(recs.length, { listener, filter: mine });
        for (const rec of recs) {
          assertParsedAsSent(messageFor(got, rec), rec, {
            format,
            daemon: receiver.daemon,
            hostname,
            appName: 'claude-audit-forwarder',
            facility: 10,
          });
        }
        await new Promise((r) => setTimeout(r, 250));
        const all = server.messages(listener);
        assert.equal(all.filter(mine).length, recs.length, 'exactly one message per event');
        assert.equal(
          all.filter((m) => /forged/.test(m.hostname) || /forged/.test(m.appName) || m.msgid === 'FORGED')
            .length,
          0,
          'no forged message',
        );
        assert.equal(sink.metrics.truncated, 0);
      });
    }
  }
}

test('over UDP a 3 KB event is truncated to max_message_bytes with the marker, and counted', async (t) => {
  if (skipIfMissing(t, rsyslog, 'rsyslog') || !rsyslog) return;
  const hostname = 'udp-truncation.example';
  const sink = makeSink({ address: `127.0.0.1:${rsyslog.ports.udp}`, transport: 'udp', hostname });
  await sink.start(AbortSignal.timeout(10_000));
  const long = record(hostileActivity('é'.repeat(1500), 99));
  const short = record(hostileActivity('short', 100));
  await sendAll(sink, [long, short]);
  await sink.close();
  const got = await rsyslog.waitForMessages(2, { listener: 'udp', filter: (m) => m.hostname === hostname });
  const cut = messageFor(got, long);
  assert.ok(Buffer.byteLength(cut.raw) <= 2048, `${Buffer.byteLength(cut.raw)} bytes`);
  assert.ok(cut.msg.endsWith(TRUNCATION_MARKER));
  assert.equal(cut.sd['claude@32473'].id, long.activity.id, 'header and structured data intact');
  assert.ok(!messageFor(got, short).msg.includes(TRUNCATION_MARKER));
  assert.equal(sink.metrics.truncated, 1);
  assert.equal(sink.metrics.messagesSent, 2);
});
