import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSimulator } from '../../src/simulator';
import { activities, errorOf } from './helpers';

const LIMIT = 'anthropic-ratelimit-requests-limit';
const REMAINING = 'anthropic-ratelimit-requests-remaining';
const RESET = 'anthropic-ratelimit-requests-reset';

describe('tenant rate limit', () => {
  it('counts down, then answers 429 rate_limit_error with retry-after until the window frees a slot', async () => {
    let now = Date.parse('2026-09-01T12:00:00Z');
    const sim = await startSimulator({
      rateLimit: 5,
      clock: () => now,
      keys: ['sk-ant-api01-a', { key: 'sk-ant-api01-noscope', scopes: [] }],
    });
    try {
      // Failed authentication does not count.
      for (let i = 0; i < 3; i++)
        assert.equal((await activities(sim, {}, 'sk-ant-api01-unknown')).status, 401);
      const remaining: string[] = [];
      for (let i = 0; i < 4; i++) {
        now += 1000;
        const r = await activities(sim, {}, 'sk-ant-api01-a');
        assert.equal(r.status, 200);
        assert.equal(r.headers.get(LIMIT), '5');
        remaining.push(r.headers.get(REMAINING) ?? '');
        const reset = r.headers.get(RESET) ?? '';
        assert.match(reset, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
        assert.equal(
          Date.parse(reset),
          Date.parse('2026-09-01T12:00:01Z') + 60_000,
          'a slot frees when the oldest request leaves the window',
        );
      }
      assert.deepEqual(remaining, ['4', '3', '2', '1']);
      // A scope failure counts.
      now += 1000;
      const denied = await activities(sim, {}, 'sk-ant-api01-noscope');
      assert.equal(denied.status, 403);
      assert.equal(denied.headers.get(REMAINING), '0');

      now += 1000;
      const limited = await activities(sim, {}, 'sk-ant-api01-a');
      assert.equal(limited.status, 429);
      assert.equal(errorOf(limited).error.type, 'rate_limit_error');
      assert.equal(limited.headers.get('retry-after'), '55', 'seconds until 12:00:01 + 60 s, from 12:00:06');
      assert.equal(limited.headers.get(REMAINING), '0');
      assert.match(limited.headers.get('request-id') ?? '', /^req_01/);
      // 429s themselves do not extend the wait.
      now += 10_000;
      assert.equal((await activities(sim, {}, 'sk-ant-api01-a')).headers.get('retry-after'), '45');

      now = Date.parse('2026-09-01T12:01:01Z') + 1;
      const again = await activities(sim, {}, 'sk-ant-api01-a');
      assert.equal(again.status, 200);
      assert.equal(again.headers.get(REMAINING), '0');
      assert.equal((await activities(sim, {}, 'sk-ant-api01-a')).status, 429);
    } finally {
      await sim.close();
    }
  });

  it('is shared by every key of the tenant', async () => {
    const sim = await startSimulator({ rateLimit: 2, keys: ['sk-ant-api01-a', 'sk-ant-admin01-b'] });
    try {
      assert.equal((await activities(sim, {}, 'sk-ant-api01-a')).status, 200);
      assert.equal((await activities(sim, {}, 'sk-ant-admin01-b')).status, 200);
      assert.equal((await activities(sim, {}, 'sk-ant-api01-a')).status, 429);
      assert.equal((await activities(sim, {}, 'sk-ant-admin01-b')).status, 429);
    } finally {
      await sim.close();
    }
  });

  it('supports a fixed window that resets on the minute', async () => {
    let now = Date.parse('2026-09-01T12:00:30Z');
    const sim = await startSimulator({ rateLimit: { limit: 2, mode: 'fixed' }, clock: () => now });
    try {
      assert.equal((await activities(sim)).status, 200);
      assert.equal((await activities(sim)).status, 200);
      const limited = await activities(sim);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '30');
      assert.equal(limited.headers.get(RESET), '2026-09-01T12:01:00Z');
      now = Date.parse('2026-09-01T12:01:00Z');
      assert.equal((await activities(sim)).headers.get(REMAINING), '1');
    } finally {
      await sim.close();
    }
  });

  it('can be changed at run time and lets a test count requests per minute from the log', async () => {
    const sim = await startSimulator({ rateLimit: 600 });
    try {
      sim.setRateLimit(3);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await activities(sim)).status);
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      const log = sim.requests();
      assert.equal(log.length, 5);
      assert.deepEqual(
        log.map((e) => e.status),
        statuses,
      );
      assert.ok(
        log.every((e) => e.path.startsWith('/v1/compliance/activities') && /^req_01/.test(e.requestId ?? '')),
      );
      assert.ok(
        log.every((e) => e.time >= Date.now() - 60_000),
        'entries carry their time',
      );
    } finally {
      await sim.close();
    }
  });
});
