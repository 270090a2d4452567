import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { isAccessTransparencyType } from '../../src/simulator/access-transparency';
import type { Activity } from '../../src/source/activity';
import { activities, page, walkAfter } from './helpers';

/**
 * spec/access-transparency.md §2.5 point 7, §2.8, §5.1–5.2: each Access Transparency row gets
 * `transparency_log_leaf_index` when it becomes eligible, counting up per organization in
 * order of eligibility (not of created_at); no key for rows without a leaf; other types never.
 */
const HOUR = 3_600_000;

async function accessTransparencyRows(sim: Parameters<typeof walkAfter>[0]): Promise<Activity[]> {
  const walk = await walkAfter(sim, {
    'activity_types[]': ['anthropic_access', 'cmek_preserve'],
    order: 'asc',
    limit: 1000,
  });
  return walk.pages.flatMap((p) => p.data);
}

describe('transparency log leaf indexes', () => {
  it('count up from 0 in the order rows become visible, and only Access Transparency rows carry them', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({
      seed: 41,
      backlog: 4000,
      backlogWindowMs: 48 * HOUR,
      staffAccessRate: 0.03,
      rateLimit: false,
      selfEvents: false,
      clock: () => now,
    });
    try {
      const first = await accessTransparencyRows(sim);
      now += 6 * 24 * HOUR;
      const rows = await accessTransparencyRows(sim);
      assert.ok(rows.length > first.length, 'more became visible later');
      const byIndex = [...rows].sort(
        (a, b) => Number(a.transparency_log_leaf_index) - Number(b.transparency_log_leaf_index),
      );
      assert.deepEqual(
        byIndex.map((a) => a.transparency_log_leaf_index),
        rows.map((_, i) => i),
        'indexes 0…n-1, each once',
      );
      // Rows visible at the first read were stamped before the ones that appeared later.
      const firstIds = new Set(first.map((a) => a.id));
      assert.deepEqual(new Set(byIndex.slice(0, first.length).map((a) => a.id)), firstIds);
      for (const a of first)
        assert.equal(
          rows.find((r) => r.id === a.id)?.transparency_log_leaf_index,
          a.transparency_log_leaf_index,
          'an index never changes',
        );
      const createdOrder = rows.map((a) => a.transparency_log_leaf_index);
      assert.notDeepEqual(
        createdOrder,
        rows.map((_, i) => i),
        'leaf order is not created_at order',
      );
      const others = page(
        await activities(sim, {
          'exclude_activity_types[]': ['anthropic_access', 'cmek_preserve'],
          limit: 5000,
        }),
      ).data;
      assert.ok(others.length > 1000 && others.every((a) => !('transparency_log_leaf_index' in a)));
    } finally {
      await sim.close();
    }
  });

  it('are served by a prerendered simulator too (its Access Transparency rows are built when served)', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({
      seed: 47,
      backlog: 3000,
      backlogWindowMs: 48 * HOUR,
      staffAccessRate: 0.03,
      prerender: true,
      rateLimit: false,
      selfEvents: false,
      clock: () => now,
    });
    try {
      now += 6 * 24 * HOUR;
      const rows = await accessTransparencyRows(sim);
      assert.ok(rows.length > 50);
      assert.deepEqual(
        rows.map((a) => a.transparency_log_leaf_index).sort((x, y) => Number(x) - Number(y)),
        rows.map((_, i) => i),
      );
    } finally {
      await sim.close();
    }
  });

  it('gives rows recorded before the log was created no index key (or null when asked)', async () => {
    for (const missingLeafIndex of ['absent', 'null'] as const) {
      const now = Date.parse('2026-10-05T09:00:00Z');
      const sim = await startSimulator({
        seed: 42,
        backlog: 4000,
        backlogWindowMs: 24 * HOUR,
        staffAccessRate: 0.03,
        accessTransparency: {
          logCreatedAt: new Date(now - 12 * HOUR),
          visibilityDelay: { lateRate: 0 },
          missingLeafIndex,
        },
        rateLimit: false,
        selfEvents: false,
        clock: () => now,
      });
      try {
        const rows = await accessTransparencyRows(sim);
        const before = rows.filter((a) => Date.parse(a.created_at) < now - 12 * HOUR);
        const after = rows.filter((a) => Date.parse(a.created_at) >= now - 12 * HOUR);
        assert.ok(before.length > 10 && after.length > 10);
        for (const a of before) {
          if (missingLeafIndex === 'absent') assert.ok(!('transparency_log_leaf_index' in a));
          else assert.equal(a.transparency_log_leaf_index, null);
        }
        assert.deepEqual(
          after.map((a) => a.transparency_log_leaf_index).sort((x, y) => Number(x) - Number(y)),
          after.map((_, i) => i),
        );
      } finally {
        await sim.close();
      }
    }
  });

  it('stamps appended rows with an old created_at when they become visible, after those already visible', async () => {
    let now = Date.parse('2026-10-09T18:00:00Z'); // a Friday evening
    const sim = await startSimulator({
      seed: 43,
      backlog: 1000,
      staffAccessRate: 0.02,
      accessTransparency: { visibilityDelay: { lateRate: 0 } },
      rateLimit: false,
      selfEvents: false,
      clock: () => now,
    });
    try {
      // The backlog's rows are all visible within 30 s, long before the appended ones.
      const existing = sim
        .allActivities({ includeInvisible: true })
        .filter((a) => isAccessTransparencyType(a.type)).length;
      assert.ok(existing > 5);
      const late = sim.append(3, {
        type: 'anthropic_access',
        createdAt: new Date(now - 2 * HOUR),
        visibleAfterMs: 88 * HOUR,
      });
      const cmek = sim.append(1, {
        type: 'cmek_preserve',
        createdAt: new Date(now - HOUR),
        visibleAfterMs: 10 * HOUR,
      });
      assert.ok(
        sim
          .allActivities({ includeInvisible: true })
          .filter((a) => late.includes(a.id))
          .every((a) => !('transparency_log_leaf_index' in a)),
      );
      now += 10 * HOUR;
      const afterCmek = await accessTransparencyRows(sim);
      assert.equal(afterCmek.find((a) => a.id === cmek[0])?.transparency_log_leaf_index, existing);
      assert.ok(late.every((id) => !afterCmek.some((a) => a.id === id)));
      now += 78 * HOUR; // Tuesday morning
      const rows = await accessTransparencyRows(sim);
      const stamped = late.map((id) => rows.find((a) => a.id === id));
      assert.ok(stamped.every((a) => a?.type === 'anthropic_access' && a.actor.type === 'anthropic_actor'));
      assert.deepEqual(stamped.map((a) => Number(a?.transparency_log_leaf_index)).sort(), [
        existing + 1,
        existing + 2,
        existing + 3,
      ]);
      assert.equal(sim.store.transparencyLogs.log(sim.tenant.organizationId)?.rows.length, existing + 4);
    } finally {
      await sim.close();
    }
  });

  it('stamps explicit rows that bring no index, per organization', async () => {
    const now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({ seed: 44, rateLimit: false, selfEvents: false, clock: () => now });
    try {
      const base = {
        created_at: '2026-10-05T08:00:00.000000Z',
        actor: { type: 'anthropic_actor', email_address: null },
        accessor_department: 'Safeguards',
        reason_code: 'safety_review',
      };
      sim.append([
        {
          ...base,
          id: 'activity_01ExplicitA',
          type: 'anthropic_access',
          organization_id: 'org_01A',
          organization_uuid: '00000000-0000-4000-8000-00000000000a',
        },
        {
          ...base,
          id: 'activity_01ExplicitB',
          type: 'cmek_preserve',
          organization_id: 'org_01B',
          organization_uuid: '00000000-0000-4000-8000-00000000000b',
        },
        {
          ...base,
          id: 'activity_01ExplicitC',
          type: 'anthropic_access',
          organization_id: 'org_01A',
          organization_uuid: '00000000-0000-4000-8000-00000000000a',
        },
        {
          ...base,
          id: 'activity_01ExplicitD',
          type: 'anthropic_access',
          organization_id: 'org_01A',
          transparency_log_leaf_index: 99,
        },
      ]);
      const leaves = Object.fromEntries(
        sim.allActivities().map((a) => [a.id, a.transparency_log_leaf_index]),
      );
      assert.deepEqual(leaves, {
        activity_01ExplicitA: 0,
        activity_01ExplicitB: 0,
        activity_01ExplicitC: 1,
        activity_01ExplicitD: 99,
      });
    } finally {
      await sim.close();
    }
  });

  it('can serve a row without its index first and with it afterwards (unindexedCopyMs)', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({
      seed: 45,
      rateLimit: false,
      selfEvents: false,
      accessTransparency: { unindexedCopyMs: 5_000 },
      clock: () => now,
    });
    try {
      const [id] = sim.append(1, {
        type: 'anthropic_access',
        createdAt: new Date(now - HOUR),
        visibleAfterMs: 1_000,
      });
      const read = async (): Promise<Activity | undefined> =>
        (await accessTransparencyRows(sim)).find((a) => a.id === id);
      assert.equal(await read(), undefined);
      now += 1_000;
      const without = await read();
      assert.ok(without && !('transparency_log_leaf_index' in without), 'served once without its index');
      now += 5_000;
      assert.equal((await read())?.transparency_log_leaf_index, 0, 'then with it');
    } finally {
      await sim.close();
    }
  });

  it('stamps nothing by default before a row is visible: no copy without an index is ever served', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({
      seed: 46,
      rate: 40,
      staffAccessRate: 0.2,
      rateLimit: false,
      selfEvents: false,
      clock: () => now,
    });
    try {
      for (let i = 0; i < 20; i++) {
        now += 3_000;
        const rows = (await accessTransparencyRows(sim)).filter((a) => isAccessTransparencyType(a.type));
        assert.ok(rows.every((a) => typeof a.transparency_log_leaf_index === 'number'));
      }
    } finally {
      await sim.close();
    }
  });
});
