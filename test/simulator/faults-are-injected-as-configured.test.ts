import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FaultKind, startSimulator } from '../../src/simulator';
import { activities, errorOf, get, page } from './helpers';

describe('fault injection', () => {
  it('plays a script of faults on the next requests, each with its status, body and headers', async () => {
    const sim = await startSimulator({ seed: 3, backlog: 30, rateLimit: false });
    try {
      const script: FaultKind[] = [
        'error_500',
        'fatal_500',
        'error_502',
        'error_503',
        'error_504',
        'error_529',
        'rate_limited',
        'truncated_json',
        'invalid_json',
        'html_200',
        'html_502',
      ];
      sim.setFaults({ script, retryAfterSeconds: 7 });
      const replies = [];
      for (let i = 0; i < script.length + 1; i++) replies.push(await activities(sim, { limit: 10 }));
      const [e500, fatal, e502, e503, e504, e529, r429, truncated, invalid, html200, html502, healthy] =
        replies;

      for (const [reply, status, type] of [
        [e500, 500, 'api_error'],
        [fatal, 500, 'api_error'],
        [e502, 502, 'overloaded_error'],
        [e503, 503, 'overloaded_error'],
        [e504, 504, 'timeout_error'],
        [e529, 529, 'overloaded_error'],
        [r429, 429, 'rate_limit_error'],
      ] as const) {
        assert.equal(reply.status, status);
        assert.equal(errorOf(reply).type, 'error');
        assert.equal(errorOf(reply).error.type, type);
        assert.equal(reply.headers.get('request-id'), errorOf(reply).request_id);
      }
      assert.equal(e500.headers.get('x-should-retry'), 'true');
      assert.equal(fatal.headers.get('x-should-retry'), 'false', 'a deterministic 500 says not to retry');
      assert.equal(r429.headers.get('retry-after'), '7');

      assert.equal(truncated.status, 200);
      assert.equal(truncated.headers.get('content-type'), 'application/json');
      assert.equal(truncated.json, undefined, 'truncated body is not JSON');
      assert.ok(truncated.text.startsWith('{"data":['));
      assert.equal(invalid.status, 200);
      assert.equal(invalid.json, undefined);
      assert.equal(html200.status, 200);
      assert.match(html200.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(html502.status, 502);
      assert.match(html502.text, /<html>/);
      assert.equal(healthy.status, 200, 'the script is used up; no rates set');
      assert.equal(page(healthy).data.length, 10);
    } finally {
      await sim.close();
    }
  });

  it('injects 5xx at the configured rate, reproducibly for a seed', async () => {
    const statuses = async (): Promise<number[]> => {
      const sim = await startSimulator({
        seed: 8,
        rateLimit: false,
        selfEvents: false,
        faults: { errorRate: 0.3 },
      });
      try {
        const out: number[] = [];
        for (let i = 0; i < 150; i++) out.push((await activities(sim)).status);
        return out;
      } finally {
        await sim.close();
      }
    };
    const a = await statuses();
    const errors = a.filter((s) => s >= 500).length;
    assert.ok(errors > 25 && errors < 70, `about 30% of 150: ${errors}`);
    assert.deepEqual(new Set(a.filter((s) => s >= 500)), new Set([500, 502, 503, 504, 529]));
    assert.deepEqual(await statuses(), a);
  });

  it('applies scheduled fault windows only inside them, and run-time changes at once', async () => {
    let now = Date.parse('2026-09-01T00:00:00Z');
    const sim = await startSimulator({
      clock: () => now,
      rateLimit: false,
      selfEvents: false,
      faults: { schedule: [{ fromMs: 10_000, untilMs: 20_000, faults: { errorRate: 1 } }] },
    });
    try {
      assert.equal((await activities(sim)).status, 200);
      now += 10_000;
      assert.ok((await activities(sim)).status >= 500);
      now += 9_999;
      assert.ok((await activities(sim)).status >= 500);
      now += 1;
      assert.equal((await activities(sim)).status, 200);
      sim.setFaults({ rateLimitedRate: 1 });
      assert.equal((await activities(sim)).status, 429);
      sim.clearFaults();
      assert.equal((await activities(sim)).status, 200);
    } finally {
      await sim.close();
    }
  });

  it('hangs slow responses long enough for a client timeout, and still closes promptly', async () => {
    const sim = await startSimulator({ rateLimit: false, faults: { script: ['slow'], slowMs: 60_000 } });
    const started = Date.now();
    await assert.rejects(
      get(sim, '/v1/compliance/activities', sim.apiKey, AbortSignal.timeout(300)),
      /abort|timeout/i,
    );
    assert.ok(Date.now() - started >= 250);
    assert.equal((await activities(sim)).status, 200, 'the next request is served');
    sim.setFaults({ script: ['slow'] });
    const hanging = get(sim, '/v1/compliance/activities').catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 100));
    const closing = Date.now();
    await sim.close();
    assert.ok(Date.now() - closing < 5_000, 'close() does not wait for the hang');
    await hanging;
  });

  it('repeats the cursor row at the top of the next page when duplicates are on', async () => {
    const sim = await startSimulator({ seed: 6, backlog: 50, rateLimit: false, selfEvents: false });
    try {
      const first = page(await activities(sim, { limit: 10 }));
      sim.setFaults({ script: ['duplicate'] });
      const second = page(await activities(sim, { limit: 10, after_id: first.last_id ?? '' }));
      assert.equal(second.data[0].id, first.data[9].id);
      assert.equal(second.data.length, 10);
      const third = page(await activities(sim, { limit: 10, after_id: first.last_id ?? '' }));
      assert.notEqual(third.data[0].id, first.data[9].id);
    } finally {
      await sim.close();
    }
  });

  it('adds latency within the configured range', async () => {
    const sim = await startSimulator({ latencyMs: { minMs: 150, maxMs: 200 }, rateLimit: false });
    try {
      const t = Date.now();
      assert.equal((await activities(sim)).status, 200);
      assert.ok(Date.now() - t >= 140, 'not a timing assertion on speed: only that the delay happened');
      sim.setLatency(0);
    } finally {
      await sim.close();
    }
  });
});
