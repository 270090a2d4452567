import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import {
  FUTURE_ACTOR_TYPE,
  FUTURE_TYPES,
  UNLISTED_FEED_TYPES,
  makeHostileActivity,
} from '../../src/simulator/generate';
import { hostileStrings } from '../../src/simulator/hostile';
import { activities, page, walkAfter } from './helpers';

describe('content a forwarder must pass through untouched', () => {
  it('serves appended hostile activities byte-for-byte as given', async () => {
    const sim = await startSimulator({ rateLimit: false, selfEvents: false });
    try {
      const given = Array.from({ length: 20 }, (_, i) =>
        makeHostileActivity(i, { createdAt: new Date(Date.now() - 1000 * (i + 1)).toISOString() }),
      );
      sim.append(given);
      const served = page(await activities(sim, { limit: 100, order: 'asc' })).data;
      assert.deepEqual(served, [...given].reverse());
    } finally {
      await sim.close();
    }
  });

  it('mixes hostile rows into the generated feed at hostileRate, keeping filters consistent', async () => {
    const sim = await startSimulator({
      seed: 14,
      backlog: 1_000,
      hostileRate: 0.1,
      rateLimit: false,
      selfEvents: false,
    });
    try {
      const all = sim.allActivities();
      const nul = hostileStrings().nul;
      const hostile = all.filter((a) => a.hostile_nul === nul);
      assert.ok(hostile.length > 50 && hostile.length < 160, `about 10%: ${hostile.length}`);
      const user = sim.tenant.users[3].id;
      const { ids } = await walkAfter(sim, { 'actor_ids[]': [user], limit: 5000, order: 'asc' });
      assert.deepEqual(
        ids,
        all.filter((a) => a.actor.user_id === user).map((a) => a.id),
      );
    } finally {
      await sim.close();
    }
  });

  it('includes staff-access records and, when asked, types and actor types newer than the catalogue', async () => {
    const sim = await startSimulator({
      seed: 15,
      backlog: 5_000,
      futureTypeRate: 0.05,
      staffAccessRate: 0.01,
      rateLimit: false,
      selfEvents: false,
    });
    try {
      const all = sim.allActivities();
      const staff = all.filter((a) => (UNLISTED_FEED_TYPES as readonly string[]).includes(a.type));
      const future = all.filter((a) => (FUTURE_TYPES as readonly string[]).includes(a.type));
      assert.ok(staff.length > 20, `staff access: ${staff.length}`);
      assert.ok(
        staff.every(
          (a) =>
            a.actor.type === 'anthropic_actor' &&
            typeof a.accessed_at === 'string' &&
            Date.parse(a.accessed_at) <= Date.parse(a.created_at),
        ),
      );
      assert.ok(future.length > 150, `future types: ${future.length}`);
      assert.ok(future.some((a) => a.actor.type === FUTURE_ACTOR_TYPE));
      assert.ok(future.every((a) => typeof a.details === 'object'));
      // The live enum knows the types this catalogue lags behind: they can be asked for by name.
      assert.equal((await activities(sim, { 'activity_types[]': [FUTURE_TYPES[0]] })).status, 200);
    } finally {
      await sim.close();
    }
  });
});
