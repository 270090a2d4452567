import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalize, serializeEvent, toEcs, toOcsf } from '../../src/normalize';
import type { PipelineRecord } from '../../src/pipeline/record';
import { makeActivity } from '../../src/simulator/generate';

function record(): PipelineRecord {
  const activity = makeActivity({ type: 'claude_file_uploaded', actorType: 'user_actor', seed: 9 });
  // The source's exact bytes: key order and spacing a re-serialization would not keep.
  const raw = JSON.stringify(activity, null, 1);
  return { seq: 1, activity, raw };
}

describe('serializeEvent', () => {
  it('returns the source’s own bytes for raw', () => {
    const r = record();
    assert.equal(serializeEvent(r, 'raw'), r.raw);
  });

  it('serializes the OCSF and ECS events of the activity', () => {
    const r = record();
    const clock = { now: () => 0 };
    assert.deepEqual(JSON.parse(serializeEvent(r, 'ocsf')), toOcsf(r.activity));
    assert.deepEqual(JSON.parse(serializeEvent(r, 'ecs', clock)), toEcs(r.activity, clock));
    assert.deepEqual(normalize(r.activity, 'ocsf'), toOcsf(r.activity));
  });

  it('passes include_raw_data through, with the record’s raw text', () => {
    const r = record();
    const parse = (text: string) => JSON.parse(text) as { raw_data?: string; event?: { original?: string } };
    assert.equal(parse(serializeEvent(r, 'ocsf', { includeRawData: true })).raw_data, r.raw);
    assert.equal(parse(serializeEvent(r, 'ecs', { includeRawData: true })).event?.original, r.raw);
    assert.equal(parse(serializeEvent(r, 'ocsf')).raw_data, undefined);
  });

  it('writes one line of JSON whatever the values', () => {
    const r = record();
    const hostile = { ...r, activity: { ...r.activity, filename: 'a\nb\r\nc\u2028d' } };
    for (const format of ['ocsf', 'ecs'] as const) assert.ok(!/[\r\n]/.test(serializeEvent(hostile, format)));
  });
});
