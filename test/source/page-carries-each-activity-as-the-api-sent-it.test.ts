import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataItemTexts } from '../../src/source/raw-items';
import { pageEdges, parsePage } from '../../src/source/client';
import { RetryableError } from '../../src/util/errors';
import { makeHostileActivity, makeRandomActivity } from '../../src/simulator/generate';

/**
 * Each activity's JSON text is sliced out of the page body instead of serialized again.
 * The slices must be exactly the elements of `data` — whatever the strings hold — and never
 * span lines; anything unexpected must fall back to serializing, never mis-slice.
 */

test('slices every element of data exactly, whatever its strings hold', () => {
  const tricky = [
    { id: 'a', s: 'quote " and backslash \\ and \\" together', n: [1, [2, [3]], { x: '}' }] },
    {
      id: 'b',
      s: 'brackets ] } [ { and commas , : inside',
      e: {},
      a: [],
      t: true,
      f: false,
      z: null,
      num: -1.5e-3,
    },
    {
      id: 'c',
      s: 'ends with a backslash \\',
      u: 'é 中 🙂 \u2028 \u0000 \u001f',
      nested: { deep: [[[{ k: '"]' }]]] },
    },
    'a bare string element',
    42,
    null,
  ];
  const body = JSON.stringify({ data: tricky, has_more: false, first_id: null, last_id: null });
  assert.deepEqual(
    dataItemTexts(body),
    tricky.map((t) => JSON.stringify(t)),
  );
});

test('finds data wherever it sits among the keys, and handles an empty page', () => {
  assert.deepEqual(
    dataItemTexts('{"has_more":true,"first_id":"x","data":[{"id":"a"},{"id":"b"}],"last_id":"y"}'),
    ['{"id":"a"}', '{"id":"b"}'],
  );
  assert.deepEqual(dataItemTexts('{"data":[],"has_more":false,"first_id":null,"last_id":null}'), []);
  assert.deepEqual(
    dataItemTexts(' \n{ "data" : [ {"id":"a"} , {"id":"b"} ] }\n'),
    ['{"id":"a"}', '{"id":"b"}'],
    'whitespace between elements is fine',
  );
});

test('an element with whitespace between its tokens is left to the caller to serialize', () => {
  const a =
    '{"id":"activity_a","created_at":"2026-05-01T00:00:00Z","type":"t","actor":{"type":"user_actor"}}';
  const b =
    '{\n  "id": "activity_b",\n  "created_at": "2026-05-01T00:00:01Z",\n  "type": "t",\n  "actor": { "type": "user_actor" }\n}';
  const c =
    '{"id":"activity_c","created_at":"2026-05-01T00:00:02Z","type":"t","actor":{"type":"user_actor"},"s":"spaces inside strings are data"}';
  const body = `{"data":[${a},${b},${c}],"has_more":false,"first_id":null,"last_id":null}`;
  assert.deepEqual(dataItemTexts(body), [a, undefined, c]);
  const page = parsePage(body);
  assert.deepEqual(
    page.raw,
    [a, JSON.stringify(JSON.parse(b)), c],
    'the page still carries one line per activity',
  );
});

test('what is not the documented shape gives no slices (the caller serializes)', () => {
  for (const body of [
    '[]',
    '{"data":[1,2',
    '{"data":[1 2]}',
    '{"data":"x"}',
    '{"data":[{"a":"unterminated}]}',
    '{}',
    '{"data":[,]}',
    '{"data":[1,]}',
  ]) {
    assert.equal(dataItemTexts(body), undefined, body);
  }
});

test('a simulator page: every slice is the element, and the page carries them', () => {
  const activities = Array.from({ length: 400 }, (_, i) =>
    i % 7 === 0 ? makeHostileActivity(i) : makeRandomActivity(i),
  );
  const body = JSON.stringify({ data: activities, has_more: true, first_id: 'f', last_id: 'l' });
  const page = parsePage(body);
  assert.equal(page.raw?.length, 400);
  page.raw?.forEach((text, i) => {
    assert.equal(text, JSON.stringify(activities[i]));
    assert.deepEqual(JSON.parse(text), page.activities[i]);
  });
});

test('a page is held as text until its activities are taken; a bad element is a malformed page then', async () => {
  const good = (i: number) =>
    JSON.stringify({
      id: `activity_${i}`,
      created_at: `2026-05-01T00:00:0${i}Z`,
      type: 't',
      actor: { type: 'user_actor' },
    });
  const body = `{"data":[${good(1)},{"id":5,"type":"t"},${good(3)}],"has_more":true,"first_id":"activity_1","last_id":"activity_3"}`;
  const page = parsePage(body, { requestId: 'req_1' });
  assert.equal(page.hasMore, true);
  assert.equal(page.lastId, 'activity_3');
  assert.equal(page.requestId, 'req_1');
  // The slicer needs only the edges: the broken middle element is not parsed for them.
  const edges = pageEdges(page);
  assert.equal(edges?.first.id, 'activity_1');
  assert.equal(edges?.last.id, 'activity_3');
  assert.equal(edges?.count, 3);
  assert.throws(
    () => page.activities,
    (err: unknown) => err instanceof RetryableError && /malformed page: an activity lacks/.test(err.message),
  );
});

test('bodies that are not one JSON object with a data array are refused as malformed, retryably', () => {
  for (const body of [
    '{"data":[],"has_more":false} trailing',
    '{"data":[{"id":"a"}],"has_more":"yes"}',
    '{"data":[tru],"has_more":false}',
    '<html>',
    '{"data":[{"id":"a"',
    '',
  ]) {
    assert.throws(
      () => parsePage(body).activities,
      (err: unknown) => err instanceof RetryableError && /malformed page/.test(err.message),
      body,
    );
  }
});

test('the scan reads bytes: a BOM, multi-byte characters and invalid UTF-8 come out as decoding the whole body gives them', () => {
  const item = (i: number, s: string) =>
    `{"id":"activity_${i}","created_at":"2026-05-01T00:00:0${i}Z","type":"t","s":"${s}"}`;
  const parts = [
    Buffer.from([0xef, 0xbb, 0xbf]), // a byte order mark
    Buffer.from(`{"has_more":false,"first_id":"activity_1","data":[${item(1, 'é 中 🙂 ]} \\"')},`),
    Buffer.from(`{"id":"activity_2","created_at":"2026-05-01T00:00:02Z","type":"t","s":"bad `),
    Buffer.from([0xc3, 0x28, 0xff, 0xe2, 0x82]), // an invalid pair, a byte UTF-8 never uses, a truncated sequence
    Buffer.from(` bytes \\" ] }"},${item(3, '\\u2028 \\\\')}],"last_id":"activity_3"}`),
  ];
  const bytes = Buffer.concat(parts);
  const whole = JSON.parse(bytes.toString('utf8').slice(1)) as { data: unknown[] };
  const texts = dataItemTexts(bytes);
  assert.ok(texts, 'the scan vouches for the body (no fallback to parsing it whole)');
  assert.deepEqual(
    texts.map((t) => JSON.parse(t ?? 'null') as unknown),
    whole.data,
  );
  const page = parsePage(bytes);
  assert.deepEqual(page.activities, whole.data);
  assert.deepEqual(
    page.raw?.map((t) => JSON.parse(t) as unknown),
    whole.data,
  );
  assert.equal(page.lastId, 'activity_3');
  assert.equal(page.bodyBytes, bytes.length);
  assert.match(
    page.raw?.[1] ?? '',
    /bad \uFFFD\(\uFFFD\uFFFD bytes/,
    'invalid bytes become U+FFFD, as in any UTF-8 decoding',
  );
});
