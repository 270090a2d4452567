import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SimulatorHandle, startSimulator } from '../../src/simulator';
import { activities, page, walkAfter } from './helpers';

/**
 * The pagination contract of spec/compliance-api.md: `after_id` continues in result order,
 * `before_id` returns the `limit` rows nearest the cursor on the other side (still in result
 * order), `has_more` is relative to the direction asked, and walks see each row once.
 */
describe('pagination', () => {
  let sim: SimulatorHandle;
  /** Every id in ascending (created_at, id) order: the oracle. */
  let ascending: string[];

  before(async () => {
    sim = await startSimulator({ seed: 11, backlog: 2_500, selfEvents: false, rateLimit: false });
    // Ties on created_at must be ordered by id and still be visited once.
    sim.append(7, { createdAt: new Date(Date.now() - 3_600_000) });
    sim.append(5, { createdAt: new Date(Date.now() - 7_200_000) });
    ascending = sim.allIds();
    assert.equal(sim.allIds({ includeInvisible: true }).length, 2_512);
    // Access Transparency rows recorded lately may not be visible yet.
    assert.ok(ascending.length > 2_500);
  });
  after(() => sim.close());

  it('orders rows by created_at, ties broken by id', () => {
    const rows = sim.allActivities();
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]];
      assert.ok(
        a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id),
        `${a.id} before ${b.id}`,
      );
    }
  });

  it('walks after_id newest-first (the default order) over every row exactly once', async () => {
    const { ids, pages } = await walkAfter(sim, { limit: 97 });
    assert.deepEqual(ids, [...ascending].reverse());
    assert.equal(pages[0].has_more, true);
    assert.equal(pages.at(-1)?.has_more, false);
    assert.equal(pages.length, Math.ceil(ascending.length / 97));
  });

  it('walks after_id oldest-first over every row exactly once', async () => {
    const { ids, pages } = await walkAfter(sim, { limit: 500, order: 'asc' });
    assert.deepEqual(ids, ascending);
    assert.ok(pages.slice(0, -1).every((p) => p.has_more));
    assert.equal(pages.at(-1)?.has_more, false);
  });

  it('catches up with before_id from the oldest row to the newest, each page in result order', async () => {
    // The documented tail loop: cursor = first_id of each page until has_more is false.
    const oldest = page(await activities(sim, { order: 'asc', limit: 1 }));
    let cursor = oldest.first_id;
    const seen: string[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const p = page(await activities(sim, { before_id: cursor ?? undefined, limit: 113 }));
      const ids = p.data.map((a) => a.id);
      // Desc order within the page, and the page sits right above the cursor.
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => ascending.indexOf(y) - ascending.indexOf(x)),
      );
      // Newer pages go in front: `seen` stays newest-first.
      seen.unshift(...ids);
      if (!p.has_more) break;
      cursor = p.first_id;
    }
    assert.deepEqual(seen, ascending.slice(1).reverse());
  });

  it('walks before_id downwards under order=asc as well', async () => {
    const newest = page(await activities(sim, { limit: 1 }));
    let cursor = newest.first_id;
    const seen: string[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const p = page(await activities(sim, { before_id: cursor ?? undefined, limit: 250, order: 'asc' }));
      seen.unshift(...p.data.map((a) => a.id));
      if (!p.has_more) break;
      cursor = p.first_id;
    }
    assert.deepEqual(seen, ascending.slice(0, -1));
  });

  it('before_id returns the `limit` rows nearest the cursor, and has_more says whether more lie beyond', async () => {
    const k = 1_000;
    const cursorPage = page(await activities(sim, { order: 'asc', limit: 1, after_id: ascending[k - 1] }));
    assert.equal(cursorPage.data[0].id, ascending[k]);
    const cursor = cursorPage.first_id ?? '';

    const desc = page(await activities(sim, { before_id: cursor, limit: 5 }));
    assert.deepEqual(
      desc.data.map((a) => a.id),
      ascending.slice(k + 1, k + 6).reverse(),
    );
    assert.equal(desc.has_more, true);
    const asc = page(await activities(sim, { before_id: cursor, limit: 5, order: 'asc' }));
    assert.deepEqual(
      asc.data.map((a) => a.id),
      ascending.slice(k - 5, k),
    );
    assert.equal(asc.has_more, true);

    // Near the ends: fewer rows than `limit`, has_more false.
    const nearTop = page(await activities(sim, { before_id: ascending.at(-3), limit: 5 }));
    assert.deepEqual(
      nearTop.data.map((a) => a.id),
      ascending.slice(-2).reverse(),
    );
    assert.equal(nearTop.has_more, false);
    const atTop = page(await activities(sim, { before_id: ascending.at(-1), limit: 5 }));
    assert.deepEqual(atTop.data, []);
    assert.equal(atTop.has_more, false);
    assert.equal(atTop.first_id, null);
    assert.equal(atTop.last_id, null);
    // Exactly `limit` rows left beyond the cursor: has_more must be false.
    const exact = page(await activities(sim, { before_id: ascending.at(-6), limit: 5 }));
    assert.equal(exact.data.length, 5);
    assert.equal(exact.has_more, false);
  });

  it('says has_more correctly at both ends of the feed', async () => {
    const all = page(await activities(sim, { limit: 5000 }));
    assert.equal(all.data.length, ascending.length);
    assert.equal(all.has_more, false);
    const allButOne = page(await activities(sim, { limit: ascending.length - 1, order: 'asc' }));
    assert.equal(allButOne.has_more, true);
    const last = page(await activities(sim, { after_id: allButOne.last_id ?? '', order: 'asc', limit: 1 }));
    assert.deepEqual(
      last.data.map((a) => a.id),
      [ascending.at(-1)],
    );
    assert.equal(last.has_more, false);
    const beyond = page(await activities(sim, { after_id: last.last_id ?? '', order: 'asc' }));
    assert.deepEqual(beyond.data, []);
    assert.equal(beyond.has_more, false);
  });

  it('defaults to limit 100, newest first', async () => {
    const p = page(await activities(sim));
    assert.deepEqual(
      p.data.map((a) => a.id),
      ascending.slice(-100).reverse(),
    );
  });
});
