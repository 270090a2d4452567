import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SELF_EVENT_TYPE } from '../../src/source/activity';
import { startSimulator } from '../../src/simulator';
import { activities, delay, page } from './helpers';

describe('compliance_api_accessed self-records', () => {
  it('appear about a second after the request, carrying its request-id, method, status and URL', async () => {
    const sim = await startSimulator({ seed: 2, backlog: 20 });
    try {
      const r = await activities(sim, { limit: 5, order: 'asc' });
      const requestId = r.headers.get('request-id');
      assert.match(requestId ?? '', /^req_01/);
      assert.deepEqual(sim.allIds({ includeSelf: true }).length, 20, 'not visible yet');
      await delay(1_200);
      const self = sim.allActivities({ includeSelf: true }).filter((a) => a.request_id === requestId);
      assert.equal(self.length, 1);
      const [a] = self;
      assert.equal(a.type, SELF_EVENT_TYPE);
      assert.equal(a.request_method, 'GET');
      assert.equal(a.status_code, 200);
      assert.equal(a.url, `${sim.url}/v1/compliance/activities?limit=5&order=asc`);
      assert.equal(a.request_body, null);
      assert.equal(a.actor.type, 'api_actor');
      assert.match(String(a.actor.api_key_id), /^apikey_01/);
      assert.equal(a.actor.ip_address, '127.0.0.1');
      assert.equal(a.actor.user_agent, 'simulator-tests/1.0');
      assert.equal(a.organization_id, sim.tenant.organizationId);
      assert.match(a.created_at, /\.\d{6}Z$/);
      // And the API serves it like any other activity.
      const served = page(await activities(sim, { 'activity_types[]': [SELF_EVENT_TYPE] }));
      assert.ok(served.data.some((x) => x.request_id === requestId));
    } finally {
      await sim.close();
    }
  });

  it('are recorded for errors too, with the status the client saw, but not for unknown keys', async () => {
    let now = Date.parse('2026-09-01T00:00:00Z');
    const sim = await startSimulator({
      clock: () => now,
      rateLimit: 2,
      keys: ['sk-ant-api01-a', 'sk-ant-admin01-b', { key: 'sk-ant-api01-c', scopes: [] }],
    });
    try {
      const replies = [
        await activities(sim, { limit: 0 }, 'sk-ant-api01-a'),
        await activities(sim, {}, 'sk-ant-api01-c'),
        await activities(sim, {}, 'sk-ant-admin01-b'),
        await activities(sim, {}, 'sk-ant-api01-unknown'),
      ];
      assert.deepEqual(
        replies.map((r) => r.status),
        [400, 403, 429, 401],
      );
      now += 999;
      assert.equal(sim.allIds({ includeSelf: true }).length, 0, 'still under a second');
      now += 2;
      const self = sim.allActivities({ includeSelf: true });
      assert.deepEqual(self.map((a) => a.status_code).sort(), [400, 403, 429]);
      for (const a of self) {
        const reply = replies.find((r) => r.headers.get('request-id') === a.request_id);
        assert.ok(reply, `request_id ${String(a.request_id)} matches a response header`);
        assert.equal(a.status_code, reply.status);
      }
      const admin = self.find((a) => a.status_code === 429);
      assert.equal(admin?.actor.type, 'admin_api_key_actor');
      assert.match(String(admin?.actor.admin_api_key_id), /^admin_api_key_01/);
    } finally {
      await sim.close();
    }
  });

  it('make a poller see its own reads, unless turned off', async () => {
    let now = Date.parse('2026-09-01T00:00:00Z');
    const on = await startSimulator({ clock: () => now });
    const off = await startSimulator({ clock: () => now, selfEvents: false });
    try {
      for (let i = 0; i < 3; i++) {
        await activities(on);
        await activities(off);
        now += 2_000;
      }
      assert.equal(page(await activities(on)).data.length, 3);
      assert.equal(page(await activities(off)).data.length, 0);
      // The last read's record is stored, dated one second after it, and not served before then.
      now += 500;
      assert.equal(page(await activities(on)).data.length, 3);
      now += 501; // created_at carries sub-millisecond digits
      assert.equal(page(await activities(on)).data.length, 4);
      assert.equal(on.stats().selfEvents, 6);
      assert.equal(off.stats().selfEvents, 0);
    } finally {
      await on.close();
      await off.close();
    }
  });
});
