import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLeaf } from '../../src/transparency/leaf';

// §8.3 "Inputs that must be refused", written as served (escapes are part of the input).
const REFUSED = [
  String.raw`[{"type":"anthropic_access"}]`,
  String.raw`{"id":"activity_x"}`,
  String.raw`{"type":7}`,
  String.raw`{"type":"anthropic_access","reason_code":3}`,
  String.raw`{"type":"anthropic_access","actor":"anthropic_actor"}`,
  String.raw`{"type":"anthropic_access","resource_details":{"id":1}}`,
  String.raw`{"type":"anthropic_access","transparency_log_leaf_index":-1}`,
  String.raw`{"type":"anthropic_access","transparency_log_leaf_index":1.5}`,
  String.raw`{"type":"anthropic_access","transparency_log_leaf_index":1e3}`,
  String.raw`{"type":"anthropic_access","transparency_log_leaf_index":"3"}`,
  String.raw`{"type":"anthropic_access","transparency_log_leaf_index":9223372036854775808}`,
  String.raw`{"type":"anthropic_access"} x`,
  String.raw`{"type":"anthropic_access","reason_code":"csae_report","reason_code":"safety_review"}`,
  String.raw`{"type":"anthropic_access","id":"activity_a","\u0069d":"activity_b"}`,
  String.raw`{"type":"anthropic_access","actor":{"type":"anthropic_actor","type":"system"}}`,
  String.raw`{"type":"anthropic_access","resource_details":{"id":"a","id":"b"}}`,
  String.raw`{"type":"anthropic_access","reason_code":"\ud800ab"}`,
  String.raw`{"type":"anthropic_access","reason_code":"\udc00"}`,
  String.raw`{"type":"anthropic_access","reason_code":"\ude00\ud83d"}`,
  String.raw`{"type":"anthropic_access","Reason_Code":"csae_report"}`,
  String.raw`{"type":"anthropic_access","actor":{"Type":"anthropic_actor"}}`,
  String.raw`{"type":"anthropic_access","resource_details":{"ID":"msg_1"}}`,
  String.raw`{"type":"anthropic_access","Transparency_Log_Leaf_Index":3}`,
  // Types that claim to be Access Transparency without being it (§3.10.4).
  String.raw`{"type":"anthropic_access_v2"}`,
  String.raw`{"type":"Anthropic-Access"}`,
  String.raw`{"type":"anthropic_acces"}`,
  String.raw`{"type":""}`,
];

test('§8.3: every ambiguous served event is refused a leaf, with a reason', () => {
  for (const served of REFUSED) {
    const result = buildLeaf(served);
    assert.equal(result.kind, 'refused', served);
    if (result.kind === 'refused') assert.ok(result.reason.length > 0);
  }
});

test('invalid UTF-8 in the served bytes is refused', () => {
  const bytes = Buffer.concat([
    Buffer.from('{"type":"anthropic_access","reason_code":"'),
    Buffer.of(0xc3, 0x28),
    Buffer.from('"}'),
  ]);
  assert.equal(buildLeaf(bytes).kind, 'refused');
});

test('another activity type is unrelated, not refused: it is skipped, never a finding', () => {
  assert.deepEqual(buildLeaf('{"type":"user_login"}'), { kind: 'unrelated', type: 'user_login' });
});

test('§8.3: a valid surrogate pair, a literal U+FFFD and an escaped backslash before u are accepted', () => {
  const cases: readonly (readonly [string, string])[] = [
    [String.raw`{"type":"anthropic_access","reason_code":"\ud83d\ude00"}`, '"reason_code":"😀"'],
    [String.raw`{"type":"anthropic_access","reason_code":"\ufffd"}`, '"reason_code":"\ufffd"'],
    [String.raw`{"type":"anthropic_access","reason_code":"\\u0041"}`, String.raw`"reason_code":"\\u0041"`],
  ];
  for (const [served, expected] of cases) {
    const result = buildLeaf(served);
    assert.equal(result.kind, 'leaf', served);
    if (result.kind === 'leaf') assert.ok(result.entry.toString('utf8').includes(expected), served);
  }
});
