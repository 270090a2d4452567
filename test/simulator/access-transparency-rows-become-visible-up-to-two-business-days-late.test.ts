import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import {
  addBusinessTime,
  isAccessTransparencyType,
  visibleAtFor,
} from '../../src/simulator/access-transparency';
import { activities, page, walkAfter } from './helpers';

/**
 * spec/access-transparency.md §2.5: `created_at` is when Anthropic recorded the event; the row
 * reaches the feed up to two business days later (weekends do not count). A forwarder that
 * only looks back ten minutes must be able to miss them here, as it would live.
 */
const HOUR = 3_600_000;

describe('Access Transparency visibility', () => {
  it('counts two business days across a weekend: recorded Friday evening, visible Tuesday evening', () => {
    const friday = Date.parse('2026-10-02T20:00:00Z');
    assert.equal(new Date(addBusinessTime(friday, 48 * HOUR)).toISOString(), '2026-10-06T20:00:00.000Z');
    assert.equal(
      new Date(addBusinessTime(Date.parse('2026-10-03T09:00:00Z'), 12 * HOUR)).toISOString(),
      '2026-10-05T12:00:00.000Z',
      'Saturday counts from Monday',
    );
    assert.equal(
      new Date(addBusinessTime(Date.parse('2026-10-06T10:00:00Z'), 5 * HOUR)).toISOString(),
      '2026-10-06T15:00:00.000Z',
    );
  });

  it('draws mostly seconds, with a tail of up to two business days that can be switched off or forced', () => {
    const recorded = Date.parse('2026-10-02T18:00:00Z');
    const delays = Array.from({ length: 2000 }, (_, seed) => visibleAtFor(recorded, seed) - recorded);
    const seconds = delays.filter((d) => d >= 1000 && d <= 30_000).length;
    const late = delays.filter((d) => d > HOUR);
    assert.ok(seconds > 1600, `mostly seconds: ${seconds}/2000`);
    assert.ok(late.length > 100, `a late tail: ${late.length}/2000`);
    assert.ok(
      late.some((d) => d > 60 * HOUR),
      'some cross the weekend',
    );
    assert.ok(delays.every((d) => d <= addBusinessTime(recorded, 48 * HOUR) - recorded));
    assert.ok(
      Array.from(
        { length: 500 },
        (_, seed) => visibleAtFor(recorded, seed, { lateRate: 0 }) - recorded,
      ).every((d) => d <= 30_000),
    );
    assert.ok(
      Array.from(
        { length: 500 },
        (_, seed) => visibleAtFor(recorded, seed, { lateRate: 1 }) - recorded,
      ).every((d) => d >= 6 * HOUR),
    );
    assert.equal(
      visibleAtFor(recorded, 7, { lateRate: 1, lateBusinessDays: 2 }),
      Date.parse('2026-10-06T18:00:00Z'),
    );
  });

  it('serves generated rows only once visible, with their old created_at, behind rows already served', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z'); // a Monday
    const sim = await startSimulator({
      seed: 31,
      backlog: 3000,
      backlogWindowMs: 72 * HOUR,
      staffAccessRate: 0.05,
      accessTransparency: { visibilityDelay: { lateRate: 1, lateBusinessDays: { min: 0.5, max: 2 } } },
      rateLimit: false,
      selfEvents: false,
      clock: () => now,
    });
    try {
      const visibleAtStart = new Set(sim.allIds());
      const hidden = sim.allActivities({ includeInvisible: true }).filter((a) => !visibleAtStart.has(a.id));
      assert.ok(hidden.length > 20, `rows recorded but not yet visible: ${hidden.length}`);
      assert.ok(
        hidden.every((a) => isAccessTransparencyType(a.type)),
        'only Access Transparency rows wait',
      );
      const served = await walkAfter(sim, { order: 'asc', limit: 5000 });
      assert.ok(hidden.every((a) => !served.ids.includes(a.id)));
      const newest = served.pages.at(-1)?.data.at(-1)?.created_at ?? '';

      now += 5 * 24 * HOUR;
      const visible = new Set(sim.allIds());
      assert.ok(
        hidden.every((a) => visible.has(a.id)),
        'visible within two business days',
      );
      // They sort by when they were recorded: a tail from the newest row served finds none.
      const tail = new Set(
        page(await activities(sim, { 'created_at.gt': newest, limit: 5000 })).data.map((a) => a.id),
      );
      assert.ok(hidden.every((a) => !tail.has(a.id)));
      const again = new Set((await walkAfter(sim, { order: 'asc', limit: 5000 })).ids);
      assert.ok(hidden.every((a) => again.has(a.id)));
    } finally {
      await sim.close();
    }
  });

  it('serves live rows seconds after created_at when the tail is switched off', async () => {
    let now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({
      seed: 32,
      rate: 50,
      staffAccessRate: 0.2,
      accessTransparency: { visibilityDelay: { lateRate: 0 } },
      rateLimit: false,
      selfEvents: false,
      clock: () => now,
    });
    try {
      now += 60_000;
      const recorded = sim
        .allActivities({ includeInvisible: true })
        .filter((a) => isAccessTransparencyType(a.type));
      assert.ok(recorded.length > 100);
      now += 30_000;
      const visible = new Set(sim.allIds());
      assert.ok(recorded.every((a) => visible.has(a.id)));
    } finally {
      await sim.close();
    }
  });
});
