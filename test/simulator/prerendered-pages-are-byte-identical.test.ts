import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SimulatorHandle, startSimulator } from '../../src/simulator';
import { activities, page } from './helpers';

/**
 * `prerender` (the benchmarks' setting) serves the backlog from JSON rendered once at start.
 * It must change nothing a client can see: the same bytes for every page, in both orders,
 * through filters, hostile content, ties and rows added after start.
 */
describe('prerendered simulator', () => {
  const clock = (): number => 1_780_000_000_000;
  let plain: SimulatorHandle;
  let prerendered: SimulatorHandle;

  before(async () => {
    const options = {
      seed: 5,
      backlog: 3_000,
      backlogWindowMs: 3_600_000,
      hostileRate: 0.2,
      futureTypeRate: 0.05,
      selfEvents: false,
      rateLimit: false as const,
      clock,
    };
    plain = await startSimulator(options);
    prerendered = await startSimulator({ ...options, prerender: true });
    for (const sim of [plain, prerendered]) {
      // Rows added after start are not prerendered: pages mixing both must still match.
      sim.append(40, { createdAt: new Date(clock() - 1_800_000) });
      sim.append([
        {
          id: 'activity_01explicitExplicit00',
          created_at: '2026-05-28T20:00:00Z',
          type: 'magic_link_login_initiated',
          actor: { type: 'user_actor', user_id: 'user_x' },
        },
      ]);
    }
  });
  after(async () => {
    await plain?.close();
    await prerendered?.close();
  });

  async function walk(
    sim: SimulatorHandle,
    params: Record<string, string | number | readonly string[]>,
  ): Promise<string[]> {
    const bodies: string[] = [];
    let cursor: string | null | undefined;
    for (;;) {
      const reply = await activities(sim, { ...params, ...(cursor ? { after_id: cursor } : {}) });
      bodies.push(reply.text);
      const p = page(reply);
      if (!p.has_more) return bodies;
      cursor = p.last_id;
    }
  }

  const cases: (Record<string, string | number | readonly string[]> & { limit: number })[] = [
    { limit: 500, order: 'asc' },
    { limit: 333 },
    {
      limit: 1000,
      order: 'asc',
      'exclude_activity_types[]': ['magic_link_login_initiated', 'api_key_created'],
    },
    {
      limit: 5000,
      order: 'asc',
      'created_at.gte': '2026-05-28T19:40:00Z',
      'created_at.lt': '2026-05-28T20:10:00Z',
    },
  ];
  for (const params of cases) {
    it(`serves the same bytes for ${JSON.stringify(params)}`, async () => {
      const expected = await walk(plain, params);
      const actual = await walk(prerendered, params);
      assert.ok(expected.length > 1 || params.limit === 5000, 'the walk spans several pages');
      assert.equal(actual.length, expected.length);
      for (let i = 0; i < expected.length; i++) assert.equal(actual[i], expected[i], `page ${i + 1} differs`);
      const rows = actual.flatMap((text) => (JSON.parse(text) as { data: unknown[] }).data).length;
      assert.ok(rows > 0, 'the walk returned rows');
    });
  }
});
