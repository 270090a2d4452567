import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splunkHecSinkConfig } from '../../../src/sinks/splunk-hec/config';
import { encodeEnvelope, hecTime } from '../../../src/sinks/splunk-hec/encode';
import { serializeEvent } from '../../../src/normalize';
import { configSchema } from '../../../src/config/schema';
import { PermanentError } from '../../../src/util/errors';
import { makeRecord, makeSink } from './helpers';

describe('splunk_hec config', () => {
  const minimal = { type: 'splunk_hec', endpoint: 'https://splunk.example.com:8088', token: 'secret-token' };

  it('fills the documented defaults', () => {
    const c = splunkHecSinkConfig.parse(minimal);
    assert.equal(c.sourcetype, 'anthropic:claude:compliance');
    assert.equal(c.format, 'ocsf');
    assert.equal(c.compression, 'gzip');
    assert.equal(c.indexer_acknowledgements, false);
    assert.deepEqual(c.ack, { poll_interval: 10_000, timeout: 300_000, max_pending: 64 });
    assert.equal(c.batch.max_bytes, 1_000_000, 'requests stay within Splunk Cloud’s 1 MB');
    assert.equal(c.batch.max_events, 500);
    assert.equal(c.index, undefined);
  });

  it('accepts the URL people copy from Splunk’s docs and keeps a proxy prefix', () => {
    const cases: Array<[string, string]> = [
      ['https://splunk.example.com:8088/services/collector/event', 'https://splunk.example.com:8088'],
      ['https://splunk.example.com:8088/services/collector', 'https://splunk.example.com:8088'],
      ['https://splunk.example.com:8088/', 'https://splunk.example.com:8088'],
      ['https://proxy.example.com/splunk/services/collector/event/1.0', 'https://proxy.example.com/splunk'],
    ];
    for (const [input, expected] of cases)
      assert.equal(splunkHecSinkConfig.parse({ ...minimal, endpoint: input }).endpoint, expected);
  });

  it('refuses unknown keys, bad URLs, tokens in URLs and inconsistent ack timings, naming the field', () => {
    const problems: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...minimal, tokne: 'x' }, /tokne/],
      [{ ...minimal, endpoint: 'splunk:8088' }, /base URL|http/],
      [{ ...minimal, endpoint: 'ftp://splunk' }, /http/],
      [{ ...minimal, endpoint: 'https://splunk:8088/services/collector?token=abc' }, /query string/],
      [{ ...minimal, token: '  ' }, /token/],
      [{ ...minimal, ack: { poll_interval: '10s', timeout: '5s' } }, /ack\.poll_interval/],
      [{ ...minimal, compression: 'deflate' }, /gzip or none/],
      [{ ...minimal, ack: { max_pending: 0 } }, /max_pending|>=1|too small/i],
    ];
    for (const [input, pattern] of problems) {
      const r = configSchema.safeParse({ source: { api_key: 'k' }, sinks: { splunk: input } });
      assert.equal(r.success, false, JSON.stringify(input));
      const text = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
      assert.match(text, /^sinks\.splunk/m, text);
      assert.match(text, pattern, text);
    }
  });
});

describe('HEC envelopes', () => {
  const opts = {
    format: 'ocsf' as const,
    host: 'fwd-1',
    sourcetype: 'anthropic:claude:compliance',
    source: 'claude',
    index: 'claude_audit',
  };

  it('carry time in epoch seconds with milliseconds, the metadata, flat indexed fields and the normalized event', () => {
    const record = makeRecord(7, {
      created_at: '2026-05-01T12:34:56.789123Z',
      id: 'activity_x',
      type: 'api_key_created',
    });
    const encoded = encodeEnvelope(record, opts);
    assert.ok(encoded.text.endsWith('\n'));
    assert.equal(encoded.size, Buffer.byteLength(encoded.text));
    const parsed = JSON.parse(encoded.text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), [
      'time',
      'host',
      'source',
      'sourcetype',
      'index',
      'fields',
      'event',
    ]);
    assert.equal(parsed.time, 1777638896.789);
    assert.match(encoded.text, /"time":1777638896\.789,/);
    assert.equal(parsed.host, 'fwd-1');
    assert.equal(parsed.source, 'claude');
    assert.equal(parsed.sourcetype, 'anthropic:claude:compliance');
    assert.equal(parsed.index, 'claude_audit');
    assert.deepEqual(parsed.fields, { event_id: 'activity_x', activity_type: 'api_key_created' });
    assert.deepEqual(parsed.event, JSON.parse(serializeEvent(record, 'ocsf')));
  });

  it('keeps three decimals even on a whole second, and omits time it cannot read', () => {
    assert.equal(hecTime('2026-05-01T00:00:00Z'), '1777593600.000');
    assert.equal(hecTime('not a time'), undefined);
    const parsed = JSON.parse(encodeEnvelope(makeRecord(1, { created_at: 'garbage' }), opts).text) as Record<
      string,
      unknown
    >;
    assert.equal('time' in parsed, false);
  });

  it('omits index and source when not configured and uses the raw API JSON for format raw', () => {
    const record = makeRecord(3);
    const parsed = JSON.parse(
      encodeEnvelope(record, { format: 'raw', host: 'h', sourcetype: 's' }).text,
    ) as Record<string, unknown>;
    assert.equal('index' in parsed, false);
    assert.equal('source' in parsed, false);
    assert.deepEqual(parsed.event, JSON.parse(record.raw));
  });

  it('escapes hostile metadata instead of breaking the envelope', () => {
    const record = makeRecord(4, { id: 'id"}\n{"event":"injected', type: 'x\\y' });
    const text = encodeEnvelope(record, { ...opts, host: 'a"b' }).text;
    const parsed = JSON.parse(text) as Record<string, Record<string, string>>;
    assert.equal(parsed.fields.event_id, 'id"}\n{"event":"injected');
    assert.equal(text.trimEnd().split('\n').length, 1, 'one envelope, one line');
  });

  it('refuses an event that serializes to nothing (HEC would refuse it with code 13)', () => {
    const record = { ...makeRecord(5), raw: '  ' };
    assert.throws(
      () => encodeEnvelope(record, { format: 'raw', host: 'h', sourcetype: 's' }),
      PermanentError,
    );
  });

  it('uses the machine host name unless host is configured', () => {
    const sink = makeSink('http://127.0.0.1:9');
    assert.equal(
      (JSON.parse(sink.encode(makeRecord(1)).text) as { host: string }).host,
      'forwarder-test-host',
    );
    const named = makeSink('http://127.0.0.1:9', { host: 'collector-a' });
    assert.equal((JSON.parse(named.encode(makeRecord(1)).text) as { host: string }).host, 'collector-a');
  });
});
