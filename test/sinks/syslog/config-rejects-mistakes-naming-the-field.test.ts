import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  syslogSinkConfig,
  effectiveFraming,
  effectiveMaxMessageBytes,
} from '../../../src/sinks/syslog/config';
import { parseAddress } from '../../../src/sinks/syslog/address';
import { sinkFactory } from '../../../src/sinks/registry';

function issues(input: Record<string, unknown>): string[] {
  const r = syslogSinkConfig.safeParse({ type: 'syslog', address: 'siem.example.com:6514', ...input });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('defaults: TLS, RFC 5424, octet counting, OCSF body, authpriv, BOM, documentation enterprise number', () => {
  const cfg = syslogSinkConfig.parse({ type: 'syslog', address: 'siem.example.com' });
  assert.equal(cfg.transport, 'tls');
  assert.equal(cfg.format, 'rfc5424');
  assert.equal(effectiveFraming(cfg), 'octet_counting');
  assert.equal(cfg.payload_format, 'ocsf');
  assert.equal(cfg.facility, 10);
  assert.equal(cfg.bom, true);
  assert.equal(cfg.enterprise_id, 32473);
  assert.equal(effectiveMaxMessageBytes(cfg), 65_536);
  assert.equal(cfg.ack_delay, 1000);
  assert.equal(cfg.batch.concurrency, 8);
  assert.deepEqual(parseAddress(cfg.address, cfg.transport), { host: 'siem.example.com', port: 6514 });
  const udp = syslogSinkConfig.parse({
    type: 'syslog',
    address: '[2001:db8::5]',
    transport: 'udp',
    allow_plaintext: true,
  });
  assert.equal(effectiveMaxMessageBytes(udp), 2048);
  assert.equal(effectiveFraming(udp), 'datagram');
  assert.deepEqual(parseAddress(udp.address, udp.transport), { host: '2001:db8::5', port: 514 });
});

test('facility by name or number; sizes and durations as strings', () => {
  const cfg = syslogSinkConfig.parse({
    type: 'syslog',
    address: 'h:1',
    transport: 'udp',
    allow_plaintext: true,
    facility: 'local4',
    max_message_bytes: '8KiB',
    retry: { max_backoff: '1m' },
  });
  assert.equal(cfg.facility, 20);
  assert.equal(cfg.max_message_bytes, 8192);
  assert.equal(cfg.retry.max_backoff, 60_000);
  assert.equal(syslogSinkConfig.parse({ type: 'syslog', address: 'h:1', facility: 23 }).facility, 23);
});

test('mistakes are refused with the field and the fix named', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ address: 'siem.example.com:99999' }, /^address: .*port must be a number from 1 to 65535/],
    [{ address: '2001:db8::1:514' }, /^address: .*brackets/],
    [{ address: 'http://siem:514' }, /^address: /],
    [{ transport: 'tls', framing: 'lf' }, /^framing: .*RFC 5425 TLS is always octet counting/],
    [{ transport: 'udp', framing: 'lf' }, /^framing: .*one message per datagram/],
    [{ transport: 'tcp', tls: { ca_file: 'x' } }, /^tls: .*transport: tls/],
    [
      { transport: 'udp', max_message_bytes: '100KB' },
      /^max_message_bytes: .*UDP datagram carries at most 65507/,
    ],
    [{ max_message_bytes: 200 }, /^max_message_bytes: must be at least 1024/],
    [{ facility: 'local9' }, /^facility: expected a facility number 0–23 or one of/],
    [{ facility: 24 }, /^facility: /],
    [{ format: 'json' }, /^format: expected one of rfc5424, rfc3164, cef, leef/],
    [{ app_name: 'has space' }, /^app_name: .*printable ASCII/],
    [{ app_name: 'tag:x' }, /^app_name: .*RFC 3164 tag/],
    [{ format: 'rfc3164', app_name: 'a'.repeat(40) }, /^app_name: an RFC 3164 tag is at most 32/],
    [{ hostname: 'two words' }, /^hostname: /],
    [
      { retry: { initial_backoff: '1m', max_backoff: '1s' } },
      /^retry.max_backoff: must be at least retry.initial_backoff/,
    ],
    [{ retry: { initial: '1s' } }, /^retry: .*initial/],
    [{ ack_delay: 'soon' }, /^ack_delay: "soon" is not a duration/],
    [{ adress: 'typo:1' }, /adress/],
  ];
  for (const [input, expected] of cases) {
    const found = issues(input);
    assert.ok(
      found.some((m) => expected.test(m)),
      `${JSON.stringify(input)} → ${JSON.stringify(found)}`,
    );
  }
});

test('the sink is registered by its type', () => {
  const f = sinkFactory('syslog');
  assert.ok(f, 'syslog is in the registry');
  assert.equal(f.type, 'syslog');
});
