import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/simulator';
import { TestVerifier } from '../support/transparency-verifier';

const HOUR = 3_600_000;

test('hourly runs over two simulated days of growth, late rows and restarts: every run is clean and every served event is proven', async () => {
  let now = Date.parse('2026-10-02T09:00:00Z'); // a Friday: late rows cross the weekend
  const sim = await startSimulator({
    seed: 25,
    backlog: 3000,
    backlogWindowMs: 24 * HOUR,
    staffAccessRate: 0.05,
    rateLimit: false,
    selfEvents: false,
    clock: () => now,
  });
  let verifier = new TestVerifier(sim, () => now);
  try {
    for (let hour = 0; hour < 48; hour++) {
      sim.append(hour % 3, { type: hour % 2 ? 'anthropic_access' : 'cmek_preserve' });
      sim.append(1, { type: 'anthropic_access', createdAt: new Date(now - 30 * HOUR) });
      now += HOUR;
      if (hour % 12 === 11) {
        const state = verifier.state;
        verifier.close();
        verifier = new TestVerifier(sim, () => now);
        verifier.state = state;
      }
      const result = await verifier.run();
      assert.equal(
        result.outcome,
        'clean',
        `hour ${hour}: ${JSON.stringify(result.findings.map((f) => f.message))} ${result.error ?? ''}`,
      );
    }
    const size = sim.transparencyLog.size(now);
    assert.equal(verifier.state.size, size, 'the verified checkpoint is the latest');
    const indexed = sim.allActivities().filter((a) => typeof a.transparency_log_leaf_index === 'number');
    assert.ok(indexed.length > 100);
    assert.equal(
      verifier.state.verified_events,
      indexed.length,
      'every served event with an index was proven once',
    );
    assert.equal(verifier.state.pending.length, 0);
    assert.equal(verifier.state.completeness_size, size);
    assert.deepEqual(verifier.state.unserved, []);
  } finally {
    verifier.close();
    await sim.close();
  }
});
