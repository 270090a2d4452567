import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeDocument } from '../../../src/sinks/elasticsearch/encode';
import { PermanentError } from '../../../src/util/errors';
import { records } from './helpers';

function lines(text: string): [Record<string, unknown>, Record<string, unknown>] {
  const parts = text.split('\n');
  assert.equal(parts.length, 3, 'an action line and a source line, each ending in a newline');
  assert.equal(parts[2], '');
  return [JSON.parse(parts[0]) as Record<string, unknown>, JSON.parse(parts[1]) as Record<string, unknown>];
}

test('each document is a create with _id = activity id; ocsf and raw get @timestamp; a data stream target gets data_stream.*', () => {
  const rec = records('enc', 1)[0];
  for (const format of ['ecs', 'ocsf', 'raw'] as const) {
    const [action, source] = lines(encodeDocument(rec, { format, index: 'logs-claude.audit-prod' }).text);
    assert.deepEqual(action, { create: { _index: 'logs-claude.audit-prod', _id: rec.activity.id } });
    assert.equal(source['@timestamp'], rec.activity.created_at, format);
    assert.deepEqual(
      source.data_stream,
      { type: 'logs', dataset: 'claude.audit', namespace: 'prod' },
      format,
    );
  }
  const [, ecs] = lines(encodeDocument(rec, { format: 'ecs', index: 'logs-claude.audit-prod' }).text);
  assert.equal((ecs.event as Record<string, unknown>).dataset, 'claude.audit');
  const [, plain] = lines(encodeDocument(rec, { format: 'raw', index: 'claude-audit' }).text);
  assert.equal(plain.data_stream, undefined, 'no data_stream fields for a plain index');
});

test('raw stays the API text: its own @timestamp is kept, line breaks between tokens are removed, {} works', () => {
  const base = records('raw', 1)[0];
  const own = { ...base.activity, '@timestamp': '2020-01-01T00:00:00Z' };
  const [, kept] = lines(
    encodeDocument(
      { ...base, activity: own, raw: JSON.stringify(own, null, 2) },
      { format: 'raw', index: 'x' },
    ).text,
  );
  assert.equal(kept['@timestamp'], '2020-01-01T00:00:00Z');
  assert.equal(kept.id, base.activity.id);
  const [, bare] = lines(encodeDocument({ ...base, raw: '{}' }, { format: 'raw', index: 'x' }).text);
  assert.deepEqual(Object.keys(bare), ['@timestamp']);
});

test('an id Elasticsearch cannot take is refused at encoding', () => {
  const base = records('id', 1)[0];
  const long = { ...base.activity, id: 'a'.repeat(513) };
  assert.throws(
    () => encodeDocument({ ...base, activity: long }, { format: 'raw', index: 'x' }),
    PermanentError,
  );
});
