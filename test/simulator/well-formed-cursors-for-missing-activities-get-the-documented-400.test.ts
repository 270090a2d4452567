import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { encodeCursor } from '../../src/simulator/cursor';
import { activities, errorOf, page } from './helpers';

/**
 * spec/compliance-api.md "Response and pagination": a cursor is looked up, not trusted. A
 * well-formed one (base64 JSON `{id, created_at}` or a raw `activity_…` id) for an activity
 * that does not exist gets 400 ``Invalid `after_id`. No activity found for `after_id` "…"``.
 * A third-party SDK found the simulator paging on from such cursors instead.
 */
describe('cursors for activities that do not exist', () => {
  it('get the documented 400 for after_id and before_id, in both forms', async () => {
    const sim = await startSimulator({ seed: 71, backlog: 200, rateLimit: false, selfEvents: false });
    const other = await startSimulator({ seed: 72, backlog: 200, rateLimit: false, selfEvents: false });
    try {
      const real = page(await activities(sim, { limit: 1 })).first_id ?? '';
      assert.equal((await activities(sim, { after_id: real })).status, 200);
      const foreign = page(await activities(other, { limit: 1 })).data[0];
      const cursors = [
        encodeCursor('activity_01NoSuchActivity0000000000', '2026-10-05T09:00:00.000000Z'),
        encodeCursor(foreign.id, foreign.created_at),
        foreign.id,
      ];
      for (const param of ['after_id', 'before_id'] as const) {
        for (const value of cursors) {
          const r = await activities(sim, { [param]: value });
          assert.equal(r.status, 400, `${param}=${value}`);
          assert.equal(errorOf(r).error.type, 'invalid_request_error');
          assert.equal(
            errorOf(r).error.message,
            `Invalid \`${param}\`. No activity found for \`${param}\` "${value}"`,
          );
        }
      }
    } finally {
      await sim.close();
      await other.close();
    }
  });

  it('include an activity recorded but not visible yet', async () => {
    const now = Date.parse('2026-10-05T09:00:00Z');
    const sim = await startSimulator({ seed: 73, rateLimit: false, selfEvents: false, clock: () => now });
    try {
      const [hidden] = sim.append(1, { createdAt: new Date(now - 60_000), visibleAfterMs: 60_000 });
      const r = await activities(sim, { after_id: encodeCursor(hidden, '2026-10-05T08:59:00.000000Z') });
      assert.equal(r.status, 400);
    } finally {
      await sim.close();
    }
  });
});
