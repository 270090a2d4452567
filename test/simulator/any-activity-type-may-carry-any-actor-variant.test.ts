import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACTIVITY_TYPES } from '../../src/catalogue';
import { startSimulator } from '../../src/simulator';
import { isAccessTransparencyType } from '../../src/simulator/access-transparency';
import { ACTOR_TYPES, allowedActors, pickKind, usualActors } from '../../src/simulator/generate';

/**
 * spec/compliance-api.md "Activity object": since Sep 2026 every type's `actor` is the full
 * 11-variant union. The generator mostly picks a type's usual variants but now and then any
 * other, deterministically from the seed; Access Transparency rows keep `anthropic_actor`.
 */
describe('actor variants', () => {
  it('allows all 11 variants on every catalogue type, and only anthropic_actor on Access Transparency rows', () => {
    for (const t of ACTIVITY_TYPES)
      assert.deepEqual([...allowedActors(t.type)].sort(), [...ACTOR_TYPES].sort(), t.type);
    assert.deepEqual(allowedActors('anthropic_access'), ['anthropic_actor']);
    assert.deepEqual(allowedActors('cmek_preserve'), ['anthropic_actor']);
  });

  it('sometimes picks a variant beyond the usual ones, the same for the same seed', () => {
    const unusual = new Map<string, number>();
    let total = 0;
    for (let seed = 0; seed < 20_000; seed++) {
      const kind = pickKind(seed);
      assert.deepEqual(pickKind(seed), kind);
      if (isAccessTransparencyType(kind.type)) {
        assert.equal(kind.actorType, 'anthropic_actor');
        continue;
      }
      if (!usualActors(kind.type).includes(kind.actorType)) {
        unusual.set(kind.actorType, (unusual.get(kind.actorType) ?? 0) + 1);
        total++;
      }
    }
    assert.ok(total > 100 && total < 2000, `unusual variants: ${total} of 20000`);
    assert.ok(unusual.size >= 8, `variants seen beyond the usual: ${[...unusual.keys()].join(', ')}`);
  });

  it('serves such rows from the simulator', async () => {
    const sim = await startSimulator({ seed: 61, backlog: 10_000, rateLimit: false, selfEvents: false });
    try {
      const rows = sim.allActivities();
      assert.ok(rows.filter((a) => !usualActors(a.type).includes(a.actor.type)).length > 50);
      assert.ok(
        rows.filter((a) => isAccessTransparencyType(a.type)).every((a) => a.actor.type === 'anthropic_actor'),
      );
    } finally {
      await sim.close();
    }
  });
});
