import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SyslogEncoder,
  TRUNCATION_MARKER,
  type SyslogEncoderOptions,
} from '../../../src/sinks/syslog/encode';
import { msgidForType, rfc3164Timestamp, rfc5424Timestamp } from '../../../src/sinks/syslog/header';
import { SD_VALUE_MAX_BYTES } from '../../../src/sinks/syslog/structured-data';
import { severityOf, serializeEvent, toCef, toLeef } from '../../../src/normalize';
import { ACTIVITY_TYPES } from '../../../src/catalogue';
import { HOSTILE_VALUES, activity, hostileActivity, record } from './records';
import { parseRfc5424, splitOctetCounted } from './rfc5424-parser';

const BASE: SyslogEncoderOptions = {
  format: 'rfc5424',
  payloadFormat: 'ocsf',
  framing: 'octet_counting',
  facility: 10,
  hostname: 'fwd-1.example.com',
  appName: 'claude-audit-forwarder',
  procid: '4242',
  enterpriseId: 32473,
  bom: true,
  maxMessageBytes: 64 * 1024,
};

function encoder(overrides: Partial<SyslogEncoderOptions> = {}): SyslogEncoder {
  return new SyslogEncoder({ ...BASE, ...overrides });
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

test('an RFC 5424 message follows the grammar: PRI from facility and event severity, header, structured data, BOM + JSON', () => {
  for (const type of [
    'org_user_invite_sent',
    'platform_api_key_deleted',
    'org_sso_login_failed',
    'compliance_api_accessed',
  ]) {
    const rec = record(activity({ type }));
    const frame = encoder().encode(rec).frame;
    const [message] = splitOctetCounted(frame);
    const p = parseRfc5424(message);
    assert.equal(p.pri, 10 * 8 + severityOf(rec.activity).syslog, type);
    assert.equal(p.version, '1');
    assert.equal(p.timestamp, '2026-03-04T05:06:07.123456Z');
    assert.equal(p.hostname, 'fwd-1.example.com');
    assert.equal(p.appName, 'claude-audit-forwarder');
    assert.equal(p.procid, '4242');
    assert.equal(p.msgid, type);
    assert.deepEqual(p.sd, {
      'claude@32473': {
        id: rec.activity.id,
        type,
        actor_type: 'user_actor',
        actor: 'alice@example.com',
        src_ip: '192.0.2.10',
        org: 'org_01TESTORG',
      },
    });
    assert.deepEqual(p.msg.subarray(0, 3), BOM);
    assert.equal(p.msg.subarray(3).toString('utf8'), serializeEvent(rec, 'ocsf'));
  }
});

test('severity differs by event: a failed or destructive activity outranks a read', () => {
  const sev = (type: string): number => severityOf(activity({ type })).syslog;
  const pris = new Set(
    ['compliance_api_accessed', 'platform_api_key_deleted', 'org_user_invite_sent'].map(
      (t) =>
        parseRfc5424(splitOctetCounted(encoder().encode(record(activity({ type: t }))).frame)[0]).pri % 8,
    ),
  );
  assert.ok(pris.size >= 2, `expected different severities, got ${[...pris].join(',')}`);
  assert.ok(sev('platform_api_key_deleted') <= sev('compliance_api_accessed'));
});

test('timestamps keep at most 6 fraction digits and the original offset; a bad time is the nil value', () => {
  assert.equal(rfc5424Timestamp('2026-03-04T05:06:07.123456789Z'), '2026-03-04T05:06:07.123456Z');
  assert.equal(rfc5424Timestamp('2026-03-04t05:06:07z'), '2026-03-04T05:06:07Z');
  assert.equal(rfc5424Timestamp('2026-03-04T05:06:07.5+05:30'), '2026-03-04T05:06:07.5+05:30');
  assert.equal(rfc5424Timestamp('2026-13-04T05:06:07Z'), '-');
  assert.equal(rfc5424Timestamp('yesterday'), '-');
  assert.equal(rfc3164Timestamp('2026-03-04T05:06:07.123Z'), 'Mar  4 05:06:07');
  assert.equal(rfc3164Timestamp('2026-12-24T23:59:59+01:00'), 'Dec 24 22:59:59');
  const p = parseRfc5424(
    splitOctetCounted(
      encoder().encode(record(activity({ created_at: '2026-03-04T05:06:07.123456789Z' }))).frame,
    )[0],
  );
  assert.equal(p.timestamp, '2026-03-04T05:06:07.123456Z');
});

test('header fields stay within their length and character limits whatever the input', () => {
  const e = encoder({
    hostname: `bad host\u00e9${'h'.repeat(400)}`,
    appName: 'a'.repeat(48),
    procid: 'p r o c',
  });
  const p = parseRfc5424(
    splitOctetCounted(e.encode(record(activity({ type: `weird type ${'t'.repeat(60)}` }))).frame)[0],
  );
  assert.equal(p.hostname.length, 255);
  assert.match(p.hostname, /^bad_host_h+$/);
  assert.equal(p.procid, 'p_r_o_c');
  assert.ok(p.msgid.length <= 32);
});

test('MSGID is at most 32 characters and still distinct for every documented activity type', () => {
  const ids = new Map<string, string>();
  for (const { type } of ACTIVITY_TYPES) {
    const id = msgidForType(type);
    assert.ok(id.length <= 32 && /^[!-~]+$/.test(id), `${type} → ${id}`);
    assert.equal(ids.get(id), undefined, `${type} and ${ids.get(id)} share MSGID ${id}`);
    ids.set(id, type);
    if (type.length <= 32) assert.equal(id, type);
  }
  assert.equal(
    msgidForType('ccr_agent_proxy_provisioning_link_enabled'),
    msgidForType('ccr_agent_proxy_provisioning_link_enabled'),
  );
});

test('structured data escapes " \\ ] and round-trips every hostile value through a strict parser', () => {
  for (const v of HOSTILE_VALUES) {
    const rec = record(hostileActivity(v, 1));
    const frame = encoder().encode(rec).frame;
    const messages = splitOctetCounted(frame);
    assert.equal(messages.length, 1);
    const p = parseRfc5424(messages[0]);
    const actor = p.sd['claude@32473'].actor;
    const expected = v.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
    if (Buffer.byteLength(expected) <= SD_VALUE_MAX_BYTES) assert.equal(actor, expected);
    else {
      assert.ok(Buffer.byteLength(actor) <= SD_VALUE_MAX_BYTES, 'long SD values are cut');
      assert.ok(actor.endsWith('…') && expected.startsWith(actor.slice(0, -1)));
    }
    // MSG is the whole event, every byte of the hostile value intact.
    assert.equal(p.msg.subarray(3).toString('utf8'), serializeEvent(rec, 'ocsf'));
  }
});

test('octet counts are bytes, not characters', () => {
  const rec = record(hostileActivity('😀 中文 é'.repeat(50), 2));
  const frame = encoder().encode(rec).frame;
  const space = frame.indexOf(0x20);
  const count = Number(frame.subarray(0, space).toString());
  assert.equal(count, frame.length - space - 1);
  assert.ok(count > frame.toString('utf8').length - space - 1 - 1000, 'sanity: the message is multi-byte');
  assert.notEqual(count, frame.toString('utf8').slice(space + 1).length);
});

test('LF framing: every message is exactly one line, whatever line breaks the values hold', () => {
  for (const format of ['rfc5424', 'rfc3164', 'cef', 'leef'] as const) {
    for (const payloadFormat of ['ocsf', 'ecs', 'raw'] as const) {
      const fe = encoder({ framing: 'lf', format, payloadFormat });
      for (const v of HOSTILE_VALUES) {
        const frame = fe.encode(record(hostileActivity(v, 3))).frame;
        assert.equal(
          frame.indexOf(0x0a),
          frame.length - 1,
          `${format}/${payloadFormat}: LF only at the end for ${JSON.stringify(v.slice(0, 30))}`,
        );
        assert.equal(frame.indexOf(0x0d), -1, 'no CR');
        assert.equal(frame.indexOf(0x00), -1, 'no NUL');
      }
    }
  }
  // A raw payload pretty-printed by the API would carry line breaks: they become spaces
  // and the JSON still parses to the same value.
  const a = activity();
  const rec = { ...record(a), raw: JSON.stringify(a, null, 2) };
  const body = encoder({ framing: 'lf', payloadFormat: 'raw' }).encode(rec).frame.toString('utf8');
  assert.equal(body.indexOf('\n'), body.length - 1);
  const json = body.slice(body.indexOf('\uFEFF') + 1, -1);
  assert.deepEqual(JSON.parse(json), a);
});

test('over UDP a long message is cut to max_message_bytes on a character boundary, with the marker', () => {
  const e = encoder({ framing: 'datagram', maxMessageBytes: 2048 });
  const rec = record(hostileActivity('é😀'.repeat(2000), 4));
  const encoded = e.encode(rec);
  assert.equal(encoded.frame.length <= 2048, true, `${encoded.frame.length} bytes`);
  assert.ok(encoded.frame.length > 2048 - 4, 'uses the room it has');
  assert.ok(encoded.truncatedFrom && encoded.truncatedFrom > 2048);
  const text = encoded.frame.toString('utf8');
  assert.ok(text.endsWith(TRUNCATION_MARKER));
  assert.deepEqual(Buffer.from(text), encoded.frame, 'valid UTF-8: no character was split');
  const p = parseRfc5424(encoded.frame);
  assert.equal(p.sd['claude@32473'].id, rec.activity.id, 'the header and structured data survive the cut');

  const small = e.encode(record(activity()));
  assert.equal(small.truncatedFrom, undefined);
  assert.ok(!small.frame.toString().includes(TRUNCATION_MARKER));
});

test('a header that alone overflows the limit keeps id and type and still fits', () => {
  const e = encoder({ framing: 'datagram', maxMessageBytes: 1024, hostname: 'h'.repeat(255) });
  const nasty = '"]\\'.repeat(100);
  const rec = record({ ...hostileActivity(nasty, 5), organization_id: nasty });
  const encoded = e.encode(rec);
  assert.ok(encoded.frame.length <= 1024);
  const p = parseRfc5424(encoded.frame);
  assert.deepEqual(Object.keys(p.sd['claude@32473']), ['id', 'type']);
  assert.ok(encoded.frame.toString().endsWith(TRUNCATION_MARKER));
});

test('the BOM is configurable and only RFC 5424 carries it', () => {
  const without = parseRfc5424(
    splitOctetCounted(encoder({ bom: false }).encode(record(activity())).frame)[0],
  );
  assert.equal(without.msg[0], '{'.charCodeAt(0));
  for (const format of ['rfc3164', 'cef', 'leef'] as const) {
    assert.equal(encoder({ format }).encode(record(activity())).frame.indexOf(BOM), -1, format);
  }
});

test('RFC 3164: <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG, day padded with a space', () => {
  const rec = record(activity({ created_at: '2026-03-04T05:06:07.123Z' }));
  const e = encoder({ format: 'rfc3164', framing: 'lf' });
  const line = e.encode(rec).frame.toString('utf8');
  const pri = 10 * 8 + severityOf(rec.activity).syslog;
  assert.equal(
    line,
    `<${pri}>Mar  4 05:06:07 fwd-1.example.com claude-audit-forwarder[4242]: ${serializeEvent(rec, 'ocsf')}\n`,
  );
  const tagged = encoder({ format: 'rfc3164', appName: 'my app:x[1]' }).encode(rec).frame.toString('utf8');
  assert.match(tagged, / my_app_x_1_\[4242\]: /);
});

test("CEF and LEEF: the normalize module's line right after an RFC 3164 header, as ArcSight and QRadar expect", () => {
  const rec = record(hostileActivity('a|b=c\\d\ne', 6));
  const pri = 10 * 8 + severityOf(rec.activity).syslog;
  const cef = encoder({ format: 'cef', framing: 'lf' }).encode(rec).frame.toString('utf8');
  assert.equal(cef, `<${pri}>Mar  4 05:06:07 fwd-1.example.com ${toCef(rec.activity)}\n`);
  const leef = encoder({ format: 'leef', framing: 'octet_counting' }).encode(rec).frame;
  const [msg] = splitOctetCounted(leef);
  assert.equal(msg.toString('utf8'), `<${pri}>Mar  4 05:06:07 fwd-1.example.com ${toLeef(rec.activity)}`);
});

test('payload_format picks the JSON body: ocsf, ecs or the raw activity', () => {
  const rec = record(activity());
  for (const payloadFormat of ['ocsf', 'ecs', 'raw'] as const) {
    const p = parseRfc5424(splitOctetCounted(encoder({ payloadFormat, bom: false }).encode(rec).frame)[0]);
    // ECS event.created is when the document was made: a millisecond may pass between the two.
    const unstamped = (text: string): unknown => {
      const doc = JSON.parse(text) as { event?: { created?: string } };
      if (payloadFormat === 'ecs') delete doc.event?.created;
      return doc;
    };
    assert.deepEqual(unstamped(p.msg.toString('utf8')), unstamped(serializeEvent(rec, payloadFormat)));
  }
});

test('no control character reaches the wire except TAB, in any format', () => {
  for (const format of ['rfc5424', 'rfc3164', 'cef', 'leef'] as const) {
    for (const framing of ['octet_counting', 'lf', 'datagram'] as const) {
      const frame = encoder({ format, framing, maxMessageBytes: 60_000 }).encode(
        record(hostileActivity('bell \u0007 nul \u0000 esc \u001b cr \r lf \n tab \t', 7)),
      ).frame;
      const text = framing === 'lf' ? frame.subarray(0, -1).toString('utf8') : frame.toString('utf8');
      assert.doesNotMatch(text, /[\u0000-\u0008\u000a-\u001f]/, `${format}/${framing}`);
    }
  }
});
