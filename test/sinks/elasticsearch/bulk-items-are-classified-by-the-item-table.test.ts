import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyItem, parseBulkItems, withoutValuePreview } from '../../../src/sinks/elasticsearch/protocol';

// Real engines answer the common rows in the engine tests; these are the rows they cannot be
// made to produce here (5xx items, the failure store, privilege and index errors per item).
test('each bulk item status maps to stored, retry, dead-letter or held', () => {
  assert.deepEqual(classifyItem({ status: 201 }), { kind: 'stored', duplicate: false });
  assert.deepEqual(classifyItem({ status: 409, errorType: 'version_conflict_engine_exception' }), {
    kind: 'stored',
    duplicate: true,
  });
  for (const status of [429, 500, 502, 503, 504])
    assert.equal(
      classifyItem({ status, errorType: 'unavailable_shards_exception' }).kind,
      'retry',
      String(status),
    );
  assert.equal(classifyItem({ status: 400, errorType: 'es_rejected_execution_exception' }).kind, 'retry');
  for (const errorType of [
    'document_parsing_exception',
    'mapper_parsing_exception',
    'strict_dynamic_mapping_exception',
  ])
    assert.equal(classifyItem({ status: 400, errorType }).kind, 'rejected', errorType);
  assert.equal(classifyItem({ status: 403, errorType: 'security_exception' }).kind, 'refused');
  assert.equal(classifyItem({ status: 404, errorType: 'index_not_found_exception' }).kind, 'refused');
  assert.equal(classifyItem({ status: 409, errorType: 'something_else' }).kind, 'refused', 'unknown: kept');
  const parked = classifyItem({ status: 201, failureStore: 'used', errorType: 'document_parsing_exception' });
  assert.equal(parked.kind, 'rejected', 'a document parked in the failure store is dead-lettered too');
});

test('the value Elasticsearch quotes in a parsing error is cut from the reason', () => {
  assert.equal(
    withoutValuePreview(
      "failed to parse field [n] of type [long] in document with id 'a'. Preview of field's value: 'secret'",
    ),
    "failed to parse field [n] of type [long] in document with id 'a'",
  );
});

test('a reply that is not a bulk reply for every item sent is not trusted', () => {
  const item = { create: { status: 201 } };
  assert.equal(parseBulkItems(JSON.stringify({ items: [item] }), 2), undefined);
  assert.equal(parseBulkItems('<html>proxy error</html>', 1), undefined);
  assert.deepEqual(parseBulkItems(JSON.stringify({ errors: false, items: [item] }), 1), [
    { status: 201, errorType: undefined, reason: undefined, failureStore: undefined },
  ]);
});
