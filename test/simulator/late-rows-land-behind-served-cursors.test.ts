import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { activities, page, walkAfter } from './helpers';

/**
 * The source is at-least-once because indexing is asynchronous: a row can become visible
 * after newer rows were served. The simulator must reproduce that, or the forwarder's
 * lookback/dedupe is never exercised.
 */
describe('late-indexed rows', () => {
  it('appear behind a cursor already served: a cursor catch-up misses them, a lookback window finds them', async () => {
    let now = Date.parse('2026-09-01T12:00:00Z');
    const sim = await startSimulator({
      seed: 4,
      backlog: 200,
      backlogWindowMs: 3_600_000,
      selfEvents: false,
      clock: () => now,
    });
    try {
      const head = page(await activities(sim, { limit: 1 }));
      const cursor = head.first_id ?? '';
      now += 60_000;
      // Created ten minutes ago, indexed just now.
      const late = sim.append(3, { createdAt: new Date(now - 600_000) });
      const fresh = sim.append(2);

      const caughtUp: string[] = [];
      let c = cursor;
      for (;;) {
        const p = page(await activities(sim, { before_id: c, limit: 100 }));
        caughtUp.push(...p.data.map((a) => a.id));
        if (!p.has_more) break;
        c = p.first_id ?? c;
      }
      assert.deepEqual(caughtUp.sort(), [...fresh].sort(), 'only the rows newer than the cursor');
      for (const id of late) assert.ok(!caughtUp.includes(id));

      const window = await walkAfter(sim, {
        'created_at.gte': new Date(now - 15 * 60_000).toISOString(),
        limit: 500,
      });
      for (const id of late) assert.ok(window.ids.includes(id), 'the overlap re-poll sees the late rows');
    } finally {
      await sim.close();
    }
  });

  it('stay invisible until their visible-from time, then are served with their old created_at', async () => {
    let now = Date.parse('2026-09-01T12:00:00Z');
    const sim = await startSimulator({ selfEvents: false, clock: () => now });
    try {
      const ids = sim.append(2, { createdAt: new Date(now - 5_000), visibleAfterMs: 90_000 });
      assert.deepEqual(page(await activities(sim)).data, []);
      assert.deepEqual(sim.allIds(), []);
      assert.deepEqual(sim.allIds({ includeInvisible: true }).sort(), [...ids].sort());
      now += 89_999;
      assert.deepEqual(page(await activities(sim)).data, []);
      now += 1;
      const p = page(await activities(sim));
      assert.deepEqual(p.data.map((a) => a.id).sort(), [...ids].sort());
      assert.ok(p.data.every((a) => a.created_at === '2026-09-01T11:59:55.000000Z'));
    } finally {
      await sim.close();
    }
  });

  it('come from the live feed at the configured late rate and delay', async () => {
    let now = Date.parse('2026-09-01T12:00:00Z');
    const sim = await startSimulator({
      seed: 9,
      rate: 20,
      ingestionDelayMs: 0,
      selfEvents: false,
      clock: () => now,
      faults: { lateRate: 0.25, lateDelayMs: 90_000 },
    });
    try {
      now += 10_000;
      const stats = sim.stats();
      assert.equal(stats.live, 200);
      const visible = sim.allIds();
      const hidden = 200 - visible.length;
      assert.ok(hidden > 25 && hidden < 75, `about a quarter indexed late: ${hidden}`);
      const cursor = page(await activities(sim, { limit: 1 })).first_id ?? '';
      sim.setRate(0);
      now += 90_000;
      const after = page(await activities(sim, { before_id: cursor, limit: 1000 }));
      assert.equal(after.data.length, 0, 'late rows are older than the cursor: a tail loop never sees them');
      assert.equal(sim.allIds().length, 200);
    } finally {
      await sim.close();
    }
  });
});

describe('live generation', () => {
  it('adds `rate` rows per second created about now, each visible after its ingestion delay', async () => {
    let now = Date.parse('2026-09-01T12:00:00Z');
    const sim = await startSimulator({
      seed: 12,
      rate: 10,
      ingestionDelayMs: { minMs: 0, maxMs: 1000 },
      selfEvents: false,
      clock: () => now,
    });
    try {
      now += 5_000;
      assert.equal(sim.stats().live, 50);
      const all = sim.allActivities({ includeInvisible: true });
      for (const a of all) {
        const t = Date.parse(a.created_at);
        assert.ok(t >= Date.parse('2026-09-01T12:00:00Z') && t <= now);
      }
      assert.ok(sim.allIds().length < 50, 'the newest rows are not indexed yet');
      assert.equal(
        page(await activities(sim, { limit: 1000 })).data.length,
        sim.allIds().length,
        'the API serves only indexed rows',
      );
      now += 1_000;
      assert.ok(sim.allIds().length >= 50);
      assert.ok(new Set(all.map((a) => a.created_at.slice(-7, -1))).size > 40, 'microsecond timestamps');
    } finally {
      await sim.close();
    }
  });

  it('is deterministic for a seed', async () => {
    const run = async (): Promise<string> => {
      let now = Date.parse('2026-09-01T12:00:00Z');
      const sim = await startSimulator({
        seed: 77,
        rate: 5,
        backlog: 50,
        selfEvents: false,
        clock: () => now,
      });
      try {
        now += 4_000;
        return JSON.stringify(sim.allActivities({ includeInvisible: true }));
      } finally {
        await sim.close();
      }
    };
    assert.equal(await run(), await run());
  });
});
