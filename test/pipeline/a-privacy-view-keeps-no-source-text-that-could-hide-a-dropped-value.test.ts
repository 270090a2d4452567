import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Privacy } from '../../src/routing/privacy';
import type { PipelineRecord } from '../../src/pipeline/record';
import type { Activity } from '../../src/source/activity';

const privacy = new Privacy({
  drop_fields: ['request_body', 'actor.user_agent', 'members.email'],
  pseudonymize_fields: [],
});

/** A record as the source hands it over: the parsed activity and the text the API sent. */
function record(raw: string): PipelineRecord {
  return { seq: 1, activity: JSON.parse(raw) as Activity, raw };
}

/**
 * The raw text is what the API sent; parsing can merge what it spells twice or escapes. A
 * view keeps that text only when none of the configured names can be in it: a repeated
 * key, a `\u` escape or an own `__proto__` field never carries a dropped value through.
 */
test('a privacy view never keeps source text that could hide a dropped value', () => {
  const hostile = [
    // The second "actor" wins when parsed: the first one's user_agent is in the text only.
    '{"id":"a1","type":"t","created_at":"2026-01-01T00:00:00Z","actor":{"type":"api_actor","user_agent":"SECRET-1"},"actor":{"type":"api_actor"}}',
    // An escaped name is the same field once parsed.
    '{"id":"a2","type":"t","created_at":"2026-01-01T00:00:00Z","actor":{"type":"api_actor"},"request\\u005fbody":"SECRET-2"}',
    // Arrays: the path applies to each item.
    '{"id":"a3","type":"t","created_at":"2026-01-01T00:00:00Z","actor":{"type":"api_actor"},"members":[{"email":"SECRET-3"},{"email":"SECRET-4","id":"m"}]}',
  ];
  for (const raw of hostile) {
    const view = privacy.view(record(raw));
    assert.ok(!view.raw.includes('SECRET'), `${raw}\n→ ${view.raw}`);
    assert.ok(!JSON.stringify(view.activity).includes('SECRET'));
    assert.equal(view.activity.id, (JSON.parse(raw) as Activity).id);
  }
  const proto = record(
    '{"id":"a4","type":"t","created_at":"x","actor":{"type":"api_actor"},"__proto__":{"polluted":1}}',
  );
  const viaProto = new Privacy({
    drop_fields: [],
    pseudonymize_fields: ['__proto__'],
    pseudonymize_key: 'k'.repeat(16),
  }).view(proto);
  assert.equal(typeof Object.getOwnPropertyDescriptor(viaProto.activity, '__proto__')?.value, 'string');
  assert.equal(({} as { polluted?: number }).polluted, undefined, 'no prototype touched');
});

test('a view without any configured field in the text is the record itself, sharing its serializations', () => {
  const plain = record(
    '{"id":"a5","type":"t","created_at":"2026-01-01T00:00:00Z","actor":{"type":"api_actor"}}',
  );
  assert.equal(privacy.view(plain), plain);
});
