import assert from 'node:assert/strict';
import { severityOf, serializeEvent, toCef, createLeefEncoder } from '../../../src/normalize';
import type { PipelineRecord } from '../../../src/pipeline/record';
import { msgidForType } from '../../../src/sinks/syslog/header';
import { withoutControlCharacters } from '../../../src/sinks/syslog/encode';
import { sdParams, cleanParamValue } from '../../../src/sinks/syslog/structured-data';
import type { ReceivedSyslogMessage } from '../../support/syslog-receiver';
import { stripBom } from './records';

/**
 * Compares what a real daemon parsed with what the sink was asked to send. Written against
 * the daemons' documented behaviour (sinks.md): rsyslog keeps the BOM and writes TAB as
 * `#011`; syslog-ng strips the BOM; both read CEF:/LEEF: as an RFC 3164 tag.
 */
export interface Expectation {
  readonly format: 'rfc5424' | 'rfc3164' | 'cef' | 'leef';
  readonly daemon: 'rsyslog' | 'syslog-ng';
  readonly hostname: string;
  readonly appName: string;
  readonly facility: number;
  readonly leefDelimiter?: string;
}

/** The message the daemon received for `rec`, found by its activity id. */
export function messageFor(
  messages: readonly ReceivedSyslogMessage[],
  rec: PipelineRecord,
): ReceivedSyslogMessage {
  const found = messages.filter((m) => m.raw.includes(rec.activity.id));
  assert.equal(found.length, 1, `exactly one message for ${rec.activity.id} (got ${found.length})`);
  return found[0];
}

export function assertParsedAsSent(m: ReceivedSyslogMessage, rec: PipelineRecord, e: Expectation): void {
  const a = rec.activity;
  const where = `${e.daemon}/${e.format}/${a.id}`;
  assert.equal(m.pri, e.facility * 8 + severityOf(a).syslog, `${where}: PRI`);
  assert.equal(m.hostname, e.hostname, `${where}: HOSTNAME`);
  const msg = m.msg;
  if (e.format === 'rfc5424') {
    assert.equal(Date.parse(m.timestamp), Date.parse(a.created_at), `${where}: TIMESTAMP ${m.timestamp}`);
    assert.match(m.timestamp, /\.123456/, `${where}: microseconds kept`);
    assert.equal(m.appName, e.appName, `${where}: APP-NAME`);
    assert.equal(m.procid, String(process.pid), `${where}: PROCID`);
    assert.equal(m.msgid, msgidForType(a.type), `${where}: MSGID`);
    const expectedSd = Object.fromEntries(sdParams(a).map((p) => [p.name, cleanParamValue(p.value)]));
    assert.deepEqual(m.sd, { 'claude@32473': expectedSd }, `${where}: STRUCTURED-DATA`);
    if (e.daemon === 'syslog-ng') assert.ok(!msg.startsWith('\uFEFF'), 'syslog-ng strips the BOM');
    else assert.ok(msg.startsWith('\uFEFF'), 'rsyslog keeps the BOM');
    assert.equal(stripBom(msg), serializeEvent(rec, 'ocsf'), `${where}: MSG`);
    JSON.parse(stripBom(msg));
    return;
  }
  // RFC 3164 has no year, zone or fraction: the daemons guess the year.
  assert.match(m.timestamp, /-03-04T05:06:07/, `${where}: TIMESTAMP ${m.timestamp}`);
  if (e.format === 'rfc3164') {
    assert.equal(m.appName, e.appName, `${where}: TAG`);
    assert.equal(m.procid, String(process.pid), `${where}: PID`);
    // rsyslog keeps the space after "TAG[PID]:", syslog-ng drops it.
    assert.equal(msg.replace(/^ /, ''), serializeEvent(rec, 'ocsf'), `${where}: MSG`);
    return;
  }
  // "CEF:0|…" / "LEEF:2.0|…" right after the hostname: the daemons read "CEF" / "LEEF" as
  // the tag; tag + ":" + MSG is the line src/normalize produced.
  const line = `${m.appName}:${msg}`;
  // Control characters other than TAB become U+FFFD (the sink's documented rule).
  const line_ =
    e.format === 'cef'
      ? toCef(a)
      : createLeefEncoder(e.leefDelimiter ? { delimiter: e.leefDelimiter } : {})(a);
  const expected = withoutControlCharacters(line_);
  const received = e.daemon === 'rsyslog' ? line.replace(/#011/g, '\t') : line;
  assert.equal(received, expected, `${where}: payload`);
  const raw = m.raw.slice(m.raw.indexOf(`${e.hostname} `) + e.hostname.length + 1);
  assert.equal(e.daemon === 'rsyslog' ? raw.replace(/#011/g, '\t') : raw, expected, `${where}: raw payload`);
}
