import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { activities, page } from './helpers';

/**
 * Backfill tests and benchmarks need tenants with millions of rows. Memory is measured and
 * reported (t.diagnostic), and bounded generously; no timing is asserted (bench/ does that).
 */
const ROWS = 1_000_000;

function mb(bytes: number): number {
  return Math.round(bytes / 1e5) / 10;
}

describe('activity store at scale', () => {
  it('builds 1,000,000 rows in a few tens of MB and serves them correctly', async (t) => {
    global.gc?.();
    const before = process.memoryUsage();
    const startedBuild = Date.now();
    const sim = await startSimulator({ seed: 1, backlog: ROWS, selfEvents: false, rateLimit: false });
    const buildMs = Date.now() - startedBuild;
    try {
      const afterBuild = process.memoryUsage();
      const grew = afterBuild.heapUsed + afterBuild.arrayBuffers - (before.heapUsed + before.arrayBuffers);
      t.diagnostic(
        `build ${ROWS} rows: ${buildMs} ms; heap+arrayBuffers +${mb(grew)} MB; store columns ${mb(sim.stats().storeBytes)} MB; rss ${mb(afterBuild.rss)} MB`,
      );
      assert.ok(sim.stats().storeBytes < 80e6, 'compact columns: well under 80 bytes per row');
      assert.ok(grew < 250e6, `memory grew by ${mb(grew)} MB`);
      assert.equal(sim.stats().activities, ROWS);

      const startedQuery = Date.now();
      const newest = page(await activities(sim, { limit: 5000 }));
      t.diagnostic(
        `first page of 5000: ${Date.now() - startedQuery} ms, ${mb(JSON.stringify(newest).length)} MB of JSON`,
      );
      assert.equal(newest.data.length, 5000);
      assert.equal(newest.has_more, true);
      for (let i = 1; i < newest.data.length; i++)
        assert.ok(newest.data[i - 1].created_at >= newest.data[i].created_at);

      // The far end, by cursor and by raw id: lookups stay correct at this size.
      const oldest = page(await activities(sim, { limit: 3, order: 'asc' }));
      const second = page(await activities(sim, { limit: 2, order: 'asc', after_id: oldest.data[0].id }));
      assert.deepEqual(
        second.data.map((a) => a.id),
        oldest.data.slice(1).map((a) => a.id),
      );
      const tail = page(await activities(sim, { before_id: oldest.first_id ?? '', limit: 10 }));
      assert.equal(tail.has_more, true);
      assert.equal(tail.data.at(-1)?.id, oldest.data[1].id);
      const end = page(await activities(sim, { after_id: oldest.first_id ?? '' }));
      assert.deepEqual(end, { data: [], has_more: false, first_id: null, last_id: null });

      // Late rows deep in the past are inserted in order, ties broken by id.
      const at = new Date(Date.now() - 12 * 3_600_000).toISOString();
      const lateIds = sim.append(1_000, { createdAt: at });
      const around = page(
        await activities(sim, { 'created_at.gte': at, 'created_at.lte': at, order: 'asc', limit: 1000 }),
      );
      assert.deepEqual(
        around.data.map((a) => a.id),
        [...lateIds].sort(),
      );

      // A rare type over the whole store: one pass, found in order.
      const rare = page(
        await activities(sim, { 'activity_types[]': ['org_sso_toggled'], limit: 5000, order: 'asc' }),
      );
      assert.ok(rare.data.length > 0 && rare.data.every((a) => a.type === 'org_sso_toggled'));
      const afterAll = process.memoryUsage();
      t.diagnostic(
        `after queries: heap ${mb(afterAll.heapUsed)} MB, arrayBuffers ${mb(afterAll.arrayBuffers)} MB, rss ${mb(afterAll.rss)} MB`,
      );
    } finally {
      await sim.close();
    }
  });
});
