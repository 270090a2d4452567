import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/simulator';
import { TestVerifier } from '../support/transparency-verifier';

test('429s and 503s on every endpoint are retried: the run is clean; beyond the retries it is incomplete, never a finding', async () => {
  let now = Date.parse('2026-10-06T09:00:00Z');
  const sim = await startSimulator({ seed: 3, rateLimit: false, selfEvents: false, clock: () => now });
  const verifier = new TestVerifier(sim, () => now);
  try {
    sim.append(30, { type: 'anthropic_access' });
    now += 1000;
    sim.setFaults({ rateLimitedRate: 0.2, retryAfterSeconds: 0, errorRate: 0.2 });
    const stormy = await verifier.run();
    assert.equal(stormy.outcome, 'clean', JSON.stringify(stormy.findings) + (stormy.error ?? ''));
    assert.equal(stormy.verified, 30);
    const failures = sim.requests().filter((r) => r.status === 429 || r.status >= 500);
    assert.ok(failures.length > 10, `the storm happened (${failures.length} failed requests)`);

    sim.append(5, { type: 'anthropic_access' });
    now += 1000;
    sim.setFaults({ rateLimitedRate: 0, errorRate: 1 });
    const down = await verifier.run();
    assert.equal(down.outcome, 'incomplete');
    assert.deepEqual(down.findings, []);
    assert.deepEqual(down.state.findings, {});
    assert.equal(down.state.size, 30, 'nothing new is trusted');
  } finally {
    verifier.close();
    await sim.close();
  }
});
