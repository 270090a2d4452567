import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Activity } from '../../src/source/activity';
import { type SimulatorHandle, startSimulator } from '../../src/simulator';
import { makeActivity } from '../../src/simulator/generate';
import { activities, page, walkAfter } from './helpers';

describe('filters', () => {
  let sim: SimulatorHandle;
  let all: Activity[];
  before(async () => {
    sim = await startSimulator({ seed: 31, backlog: 3_000, selfEvents: false, rateLimit: false });
    // An activity of another organization (a child org the tenant's key sees) and one without any.
    sim.append([
      {
        ...makeActivity({ type: 'claude_chat_created', actorType: 'user_actor', seed: 5 }),
        organization_id: 'org_01OtherChildOrg000000000',
        organization_uuid: null,
        created_at: new Date(Date.now() - 1000).toISOString(),
      },
    ]);
    all = sim.allActivities();
  });
  after(() => sim.close());

  it('activity_types[] keeps only those types', async () => {
    const types = ['claude_chat_created', 'sso_login_succeeded'];
    const { ids } = await walkAfter(sim, { 'activity_types[]': types, limit: 1000 });
    assert.deepEqual(
      ids,
      all
        .filter((a) => types.includes(a.type))
        .map((a) => a.id)
        .reverse(),
    );
    assert.ok(ids.length > 50);
  });

  it('exclude_activity_types[] drops those types', async () => {
    const types = ['claude_chat_created', 'claude_chat_viewed'];
    const { ids } = await walkAfter(sim, { 'exclude_activity_types[]': types, limit: 5000, order: 'asc' });
    assert.deepEqual(
      ids,
      all.filter((a) => !types.includes(a.type)).map((a) => a.id),
    );
  });

  it('actor_ids[] and user_ids[] are merged and match actor.user_id', async () => {
    const [u1, u2] = [sim.tenant.users[0].id, sim.tenant.users[1].id];
    const { ids } = await walkAfter(sim, { 'actor_ids[]': [u1], 'user_ids[]': [u2], limit: 5000 });
    const expected = all
      .filter((a) => a.actor.user_id === u1 || a.actor.user_id === u2)
      .map((a) => a.id)
      .reverse();
    assert.deepEqual(ids, expected);
    assert.ok(expected.length > 10);
  });

  it('organization_ids[] still returns records whose organization is null or absent', async () => {
    const { ids } = await walkAfter(sim, {
      'organization_ids[]': [sim.tenant.organizationId],
      limit: 5000,
      order: 'asc',
    });
    const expected = all.filter(
      (a) =>
        a.organization_id === sim.tenant.organizationId ||
        a.organization_id === null ||
        a.organization_id === undefined,
    );
    assert.deepEqual(
      ids,
      expected.map((a) => a.id),
    );
    assert.ok(
      expected.some((a) => a.organization_id === null),
      'the backlog has null-organization rows',
    );
    assert.ok(!ids.includes(all.find((a) => a.organization_id === 'org_01OtherChildOrg000000000')?.id ?? ''));
    const byUuid = await walkAfter(sim, {
      'organization_ids[]': [sim.tenant.organizationUuid],
      limit: 5000,
      order: 'asc',
    });
    assert.deepEqual(byUuid.ids, ids);
  });

  it('keeps organization-less rows even when the filter names no organization of theirs (store level)', () => {
    const result = sim.store.query(
      { order: 'asc', limit: 5000, organizationIds: new Set(['org_01OtherChildOrg000000000']) },
      Date.now(),
    );
    const served = result.rows.map((row) => sim.store.activityOf(row));
    const expected = all.filter(
      (a) =>
        a.organization_id === null ||
        a.organization_id === undefined ||
        a.organization_id === 'org_01OtherChildOrg000000000',
    );
    assert.deepEqual(
      served.map((a) => a.id),
      expected.map((a) => a.id),
    );
    assert.ok(
      served.some((a) => a.organization_id === null) && served.some((a) => !('organization_id' in a)),
    );
  });

  it('created_at bounds: gte/lte include the bound, gt/lt exclude it, to the microsecond', async () => {
    const pivot = all[1500];
    const t = pivot.created_at;
    const count = async (params: Record<string, string>): Promise<string[]> =>
      (await walkAfter(sim, { ...params, limit: 5000, order: 'asc' })).ids;
    const idx = all.indexOf(pivot);
    assert.deepEqual(
      await count({ 'created_at.gte': t }),
      all.slice(idx).map((a) => a.id),
    );
    assert.deepEqual(
      await count({ 'created_at.gt': t }),
      all.slice(idx + 1).map((a) => a.id),
    );
    assert.deepEqual(
      await count({ 'created_at.lte': t }),
      all.slice(0, idx + 1).map((a) => a.id),
    );
    assert.deepEqual(
      await count({ 'created_at.lt': t }),
      all.slice(0, idx).map((a) => a.id),
    );
    // Window polling: consecutive [gte, lt) windows partition the feed.
    const t2 = all[2200].created_at;
    const w1 = await count({ 'created_at.lt': t });
    const w2 = await count({ 'created_at.gte': t, 'created_at.lt': t2 });
    const w3 = await count({ 'created_at.gte': t2 });
    assert.deepEqual(
      [...w1, ...w2, ...w3],
      all.map((a) => a.id),
    );
  });

  it('combines bounds, filters and cursors', async () => {
    const lo = all[500].created_at;
    const hi = all[2500].created_at;
    const { ids } = await walkAfter(sim, {
      'created_at.gte': lo,
      'created_at.lt': hi,
      'activity_types[]': ['claude_chat_created'],
      limit: 7,
    });
    const expected = all
      .slice(500, 2500)
      .filter((a) => a.type === 'claude_chat_created')
      .map((a) => a.id)
      .reverse();
    assert.deepEqual(ids, expected);
  });

  it('an empty result has null cursors and no more', async () => {
    const p = page(await activities(sim, { 'created_at.lt': '2000-01-01T00:00:00Z' }));
    assert.deepEqual(p, { data: [], has_more: false, first_id: null, last_id: null });
  });
});
