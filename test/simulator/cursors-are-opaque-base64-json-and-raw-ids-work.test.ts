import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SimulatorHandle, startSimulator } from '../../src/simulator';
import { makeActivity } from '../../src/simulator/generate';
import { activities, decodeCursorForTest, errorOf, page } from './helpers';

describe('cursors', () => {
  let sim: SimulatorHandle;
  let ascending: string[];
  before(async () => {
    sim = await startSimulator({ seed: 21, backlog: 300, selfEvents: false, rateLimit: false });
    sim.append([
      makeActivity({
        type: 'claude_chat_created',
        actorType: 'user_actor',
        seed: 1,
        id: 'activity_01ExplicitlyGivenId0000000',
        createdAt: new Date(Date.now() - 60_000).toISOString(),
      }),
    ]);
    ascending = sim.allIds();
  });
  after(() => sim.close());

  it('first_id and last_id are base64 of JSON {id, created_at} of the first and last item', async () => {
    const p = page(await activities(sim, { limit: 10 }));
    const first = decodeCursorForTest(p.first_id ?? '');
    const last = decodeCursorForTest(p.last_id ?? '');
    assert.deepEqual(first, { id: p.data[0].id, created_at: p.data[0].created_at });
    assert.deepEqual(last, { id: p.data[9].id, created_at: p.data[9].created_at });
    assert.match(p.first_id ?? '', /^[A-Za-z0-9+/]+=*$/);
  });

  it('accepts a raw activity id as after_id and before_id', async () => {
    const k = 150;
    const afterRaw = page(await activities(sim, { after_id: ascending[k], limit: 3 }));
    assert.deepEqual(
      afterRaw.data.map((a) => a.id),
      [ascending[k - 1], ascending[k - 2], ascending[k - 3]],
    );
    const beforeRaw = page(await activities(sim, { before_id: ascending[k], limit: 3, order: 'asc' }));
    assert.deepEqual(
      beforeRaw.data.map((a) => a.id),
      ascending.slice(k - 3, k),
    );
    const explicit = page(
      await activities(sim, { after_id: 'activity_01ExplicitlyGivenId0000000', limit: 1 }),
    );
    assert.equal(explicit.data.length, 1);
  });

  it('gives the same page for a raw id and for the cursor of the same row', async () => {
    const viaCursor = page(await activities(sim, { limit: 1, order: 'asc', after_id: ascending[40] }));
    const cursor = viaCursor.first_id ?? '';
    const a = page(await activities(sim, { after_id: cursor, limit: 7 }));
    const b = page(await activities(sim, { after_id: ascending[41], limit: 7 }));
    assert.deepEqual(a, b);
  });

  it('accepts cursors in base64url form and without padding', async () => {
    const p = page(await activities(sim, { limit: 1, order: 'asc', after_id: ascending[10] }));
    const std = p.first_id ?? '';
    const url = std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    assert.deepEqual(
      page(await activities(sim, { after_id: url, limit: 2 })),
      page(await activities(sim, { after_id: std, limit: 2 })),
    );
  });

  it('answers an undecodable cursor or an unknown id with 400 naming the parameter', async () => {
    for (const [param, value] of [
      ['after_id', 'not-a-cursor!'],
      ['after_id', Buffer.from('{"nope":1}').toString('base64')],
      ['before_id', 'activity_01DoesNotExist0000000000000'],
      ['before_id', Buffer.from('{"id":"activity_01x","created_at":"never"}').toString('base64')],
    ] as const) {
      const r = await activities(sim, { [param]: value });
      assert.equal(r.status, 400, `${param}=${value}`);
      assert.equal(errorOf(r).error.type, 'invalid_request_error');
      assert.equal(
        errorOf(r).error.message,
        `Invalid \`${param}\`. No activity found for \`${param}\` "${value}"`,
      );
    }
  });

  it('keeps cursors valid across keys: they belong to the organization', async () => {
    sim.addKey('sk-ant-api01-rotated');
    const p = page(await activities(sim, { limit: 5 }));
    const next = page(await activities(sim, { after_id: p.last_id ?? '', limit: 5 }, 'sk-ant-api01-rotated'));
    assert.equal(next.data.length, 5);
  });
});
