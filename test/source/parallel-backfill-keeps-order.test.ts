import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutSlices, slicedPages } from '../../src/source/sliced-pages';
import type { Page, PageQuery } from '../../src/source/client';
import type { Activity } from '../../src/source/activity';

/** A fake feed of `n` activities one second apart, paged like the API, with latency. */
function feed(n: number, latencyMs: () => number) {
  const base = Date.UTC(2026, 0, 1);
  const all: Activity[] = Array.from({ length: n }, (_, i) => ({
    id: `activity_${String(i).padStart(6, '0')}`,
    created_at: new Date(base + i * 1000).toISOString(),
    type: 't',
    actor: { type: 'user_actor' },
  }));
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchPage = async (q: PageQuery): Promise<Page> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, latencyMs()));
    inFlight--;
    const gte = Date.parse(q.createdAtGte!);
    const lt = Date.parse(q.createdAtLt!);
    const inWindow = all.filter((a) => Date.parse(a.created_at) >= gte && Date.parse(a.created_at) < lt);
    const start = q.afterId ? inWindow.findIndex((a) => a.id === q.afterId) + 1 : 0;
    const data = inWindow.slice(start, start + q.limit);
    return {
      activities: data,
      hasMore: start + q.limit < inWindow.length,
      firstId: data[0]?.id ?? null,
      lastId: data.at(-1)?.id ?? null,
      bodyBytes: 0,
    };
  };
  return {
    all,
    fetchPage,
    maxInFlight: () => maxInFlight,
    from: new Date(base).toISOString(),
    to: new Date(base + n * 1000).toISOString(),
  };
}

test('slices are disjoint, contiguous and cover the window', () => {
  const slices = cutSlices('2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 7);
  assert.equal(slices.length, 7);
  assert.equal(slices[0].gte, '2026-01-01T00:00:00.000Z');
  assert.equal(slices.at(-1)!.lt, '2026-01-02T00:00:00.000Z');
  for (let i = 1; i < slices.length; i++) assert.equal(slices[i].gte, slices[i - 1].lt);
});

test('pages from parallel slices come out in ascending order, each activity once', async () => {
  let seed = 7;
  const f = feed(2000, () => (seed = (seed * 16807) % 2147483647) % 30);
  const seen: string[] = [];
  for await (const page of slicedPages(f.fetchPage, cutSlices(f.from, f.to, 16), {
    pageSize: 37,
    concurrency: 4,
  })) {
    seen.push(...page.activities.map((a) => a.id));
  }
  assert.deepEqual(
    seen,
    f.all.map((a) => a.id),
  );
  assert.ok(
    f.maxInFlight() > 1 && f.maxInFlight() <= 4,
    `fetched in parallel within the bound (max ${f.maxInFlight()})`,
  );
});

test('a stalled consumer stops the fetching (bounded read-ahead)', async () => {
  const f = feed(5000, () => 1);
  let fetched = 0;
  const counting = async (q: PageQuery) => {
    fetched++;
    return f.fetchPage(q);
  };
  const gen = slicedPages(counting, cutSlices(f.from, f.to, 20), {
    pageSize: 10,
    concurrency: 4,
    pagesAhead: 3,
  });
  await gen.next(); // take one page, then stop consuming
  await new Promise((r) => setTimeout(r, 200));
  // The one it took, then at most `pagesAhead` pages ahead of the consumer (in flight or
  // waiting), and one more only for the slice being read when it has none coming.
  assert.ok(fetched <= 1 + 3 + 1, `fetched ${fetched} pages while the consumer stalled`);
  const settled = fetched;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(fetched, settled, 'and fetching stays stopped');
  await gen.return(undefined);
});

test('an error in any slice surfaces to the consumer', async () => {
  const f = feed(500, () => 1);
  let calls = 0;
  const failing = async (q: PageQuery) => {
    if (++calls === 5) throw new Error('401 from the API');
    return f.fetchPage(q);
  };
  await assert.rejects(async () => {
    for await (const _ of slicedPages(failing, cutSlices(f.from, f.to, 8), { pageSize: 20, concurrency: 3 }))
      void _;
  }, /401 from the API/);
});

test('a slice too dense for one page is cut, so its pages are fetched in parallel, in order', async () => {
  // One slice, 60 pages: walked alone it is one request at a time.
  const f = feed(3000, () => 5);
  const seen: string[] = [];
  for await (const page of slicedPages(f.fetchPage, [{ gte: f.from, lt: f.to }], {
    pageSize: 50,
    concurrency: 6,
  })) {
    seen.push(...page.activities.map((a) => a.id));
  }
  assert.deepEqual(
    seen,
    f.all.map((a) => a.id),
    'every activity once, ascending',
  );
  assert.ok(
    f.maxInFlight() >= 4,
    `the dense slice was read by parallel walks (max in flight ${f.maxInFlight()})`,
  );
  assert.ok(f.maxInFlight() <= 6, `never more than concurrency in flight (${f.maxInFlight()})`);
});

test('uneven density: cuts follow it, and nothing is skipped or repeated', async () => {
  const base = Date.UTC(2026, 0, 1);
  // A quiet start, a burst (many rows per millisecond, some sharing one), a quiet end.
  const times = [
    ...Array.from({ length: 50 }, (_, i) => base + i * 60_000),
    ...Array.from({ length: 2500 }, (_, i) => base + 3_600_000 + Math.floor(i / 3)),
    ...Array.from({ length: 50 }, (_, i) => base + 7_200_000 + i * 60_000),
  ];
  const all: Activity[] = times.map((t, i) => ({
    id: `activity_${String(i).padStart(6, '0')}`,
    created_at: new Date(t).toISOString(),
    type: 't',
    actor: { type: 'user_actor' },
  }));
  let inFlight = 0;
  let maxInFlight = 0;
  const fetchPage = async (q: PageQuery): Promise<Page> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 1 + (all.length % 7)));
    inFlight--;
    const inWindow = all.filter(
      (a) =>
        Date.parse(a.created_at) >= Date.parse(q.createdAtGte!) &&
        Date.parse(a.created_at) < Date.parse(q.createdAtLt!),
    );
    const start = q.afterId ? inWindow.findIndex((a) => a.id === q.afterId) + 1 : 0;
    const data = inWindow.slice(start, start + q.limit);
    return {
      activities: data,
      hasMore: start + q.limit < inWindow.length,
      firstId: data[0]?.id ?? null,
      lastId: data.at(-1)?.id ?? null,
      bodyBytes: 0,
    };
  };
  const seen: string[] = [];
  const to = new Date(base + 3 * 3_600_000).toISOString();
  for await (const page of slicedPages(fetchPage, cutSlices(new Date(base).toISOString(), to, 4), {
    pageSize: 40,
    concurrency: 5,
  })) {
    seen.push(...page.activities.map((a) => a.id));
  }
  assert.deepEqual(
    seen,
    all.map((a) => a.id),
  );
  assert.ok(maxInFlight > 1 && maxInFlight <= 5, `parallel within the bound (max ${maxInFlight})`);
});
