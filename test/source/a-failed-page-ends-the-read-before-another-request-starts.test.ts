import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutSlices, slicedPages } from '../../src/source/sliced-pages';
import type { Page, PageQuery } from '../../src/source/client';

/**
 * A request that failed for good (a 401, retries spent) ends the read: the error reaches the
 * consumer and the workers stop before any of them starts another request, which would only
 * spend the tenant's shared rate budget on an answer nobody reads.
 */
test('a failed page ends the read before another request starts', async () => {
  const asked: PageQuery[] = [];
  const fetchPage = async (q: PageQuery): Promise<Page> => {
    asked.push(q);
    await new Promise((r) => setTimeout(r, 5));
    throw new Error('401 from the API');
  };
  const slices = cutSlices('2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 4);
  await assert.rejects(async () => {
    for await (const _ of slicedPages(fetchPage, slices, { pageSize: 100, concurrency: 1 })) void _;
  }, /401 from the API/);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(asked.length, 1, `requests made: ${asked.map((q) => q.createdAtGte).join(', ')}`);
});
