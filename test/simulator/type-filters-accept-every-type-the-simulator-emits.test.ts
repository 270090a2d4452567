import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTIVITY_TYPES } from '../../src/catalogue';
import { startSimulator } from '../../src/simulator';
import { isAccessTransparencyType } from '../../src/simulator/access-transparency';
import { FUTURE_TYPES, UNLISTED_FEED_TYPES } from '../../src/simulator/generate';
import { activities, errorOf, page } from './helpers';

/**
 * spec/access-transparency.md §2.7 and §5.2: both Access Transparency types are accepted in
 * `activity_types[]` and `exclude_activity_types[]` although the reference enum lacks them
 * (a third-party SDK found the simulator refusing them, and the newer types it emits);
 * `acceptUnlistedTypes: false` refuses them with the documented 400, for fallback tests.
 */
const AT = [...UNLISTED_FEED_TYPES];

describe('type filters', () => {
  it('accept both Access Transparency types by default, in either list, and filter by them', async () => {
    const sim = await startSimulator({
      seed: 51,
      backlog: 3000,
      staffAccessRate: 0.02,
      accessTransparency: { visibilityDelay: { lateRate: 0 } },
      rateLimit: false,
      selfEvents: false,
    });
    try {
      const only = page(await activities(sim, { 'activity_types[]': AT, limit: 5000 })).data;
      assert.ok(only.length > 20);
      assert.ok(only.every((a) => isAccessTransparencyType(a.type)));
      assert.ok(
        only.some((a) => a.type === 'anthropic_access') && only.some((a) => a.type === 'cmek_preserve'),
      );
      const without = page(await activities(sim, { 'exclude_activity_types[]': AT, limit: 5000 })).data;
      assert.ok(without.every((a) => !isAccessTransparencyType(a.type)));
      assert.equal(only.length + without.length, sim.allIds().length);
    } finally {
      await sim.close();
    }
  });

  it('accept a filter on every type the simulator emits', async () => {
    const sim = await startSimulator({ seed: 52, rateLimit: false, selfEvents: false });
    try {
      const emitted = [...ACTIVITY_TYPES.map((t) => t.type), ...FUTURE_TYPES, ...AT];
      for (let i = 0; i < emitted.length; i += 50) {
        const batch = emitted.slice(i, i + 50);
        for (const key of ['activity_types[]', 'exclude_activity_types[]']) {
          const reply = await activities(sim, { [key]: batch });
          assert.equal(reply.status, 200, `${key} ${batch.join(',')}: ${reply.text}`);
        }
      }
    } finally {
      await sim.close();
    }
  });

  it('refuse the Access Transparency types with the documented 400 when acceptUnlistedTypes is false', async () => {
    const sim = await startSimulator({
      seed: 53,
      acceptUnlistedTypes: false,
      rateLimit: false,
      selfEvents: false,
    });
    try {
      for (const key of ['activity_types[]', 'exclude_activity_types[]']) {
        for (const type of AT) {
          const reply = await activities(sim, { [key]: [type] });
          assert.equal(reply.status, 400);
          assert.equal(errorOf(reply).error.type, 'invalid_request_error');
          assert.equal(errorOf(reply).error.message, `Invalid activity type: \`${type}\``);
        }
      }
      assert.equal(
        (await activities(sim, { 'activity_types[]': [FUTURE_TYPES[0]] })).status,
        200,
        'other emitted types stay accepted',
      );
    } finally {
      await sim.close();
    }
  });
});
