import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { activities } from './helpers';

/**
 * A third-party SDK keyed its logs on `request-id` and found the simulator repeating them
 * across runs with the same seed. They must be unique across runs; the activities a seed
 * generates must stay the same.
 */
async function run(): Promise<{ requestIds: string[]; body: string }> {
  const now = Date.parse('2026-10-05T09:00:00Z');
  const sim = await startSimulator({
    seed: 81,
    backlog: 300,
    rateLimit: false,
    selfEvents: false,
    clock: () => now,
  });
  try {
    const requestIds: string[] = [];
    let body = '';
    for (let i = 0; i < 50; i++) {
      const r = await activities(sim, { limit: 20, order: 'asc' });
      requestIds.push(r.headers.get('request-id') ?? '');
      body = r.text;
    }
    const bad = await activities(sim, { limit: 0 });
    requestIds.push(bad.headers.get('request-id') ?? '');
    return { requestIds, body };
  } finally {
    await sim.close();
  }
}

describe('request ids', () => {
  it('differ between two runs with the same seed, and within a run, while the activities are the same', async () => {
    const first = await run();
    const second = await run();
    for (const id of [...first.requestIds, ...second.requestIds])
      assert.match(id, /^req_01[1-9A-HJ-NP-Za-km-z]{22}$/);
    assert.equal(new Set(first.requestIds).size, first.requestIds.length, 'unique within a run');
    const both = new Set([...first.requestIds, ...second.requestIds]);
    assert.equal(both.size, first.requestIds.length + second.requestIds.length, 'unique across runs');
    assert.ok(first.body === second.body, 'activity content stays deterministic');
  });
});
