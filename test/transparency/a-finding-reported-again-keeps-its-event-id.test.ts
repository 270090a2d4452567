import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/simulator';
import { findingEvent } from '../../src/transparency/finding-event';
import type { RunResult } from '../../src/transparency/verifier';
import { TestVerifier } from '../support/transparency-verifier';

/**
 * A fault that lasts is reported by every run, and again after a restart: a SIEM must be
 * able to tell that the finding event it receives again is the one it already holds, even
 * when the log grew between the runs and the evidence names a newer checkpoint.
 */
test('a rewritten leaf reported by a later run, after a restart and log growth, keeps its event id', async () => {
  let now = Date.parse('2026-10-06T09:00:00Z');
  const sim = await startSimulator({ seed: 9, rateLimit: false, selfEvents: false, clock: () => now });
  const first = new TestVerifier(sim, () => now);
  const again = new TestVerifier(sim, () => now);
  try {
    sim.append(20, { type: 'anthropic_access' });
    now += 1000;
    sim.setLogFaults({ rewrittenLeaf: 3 });
    const before = await first.run();
    sim.append(5, { type: 'anthropic_access' });
    now += 3_600_000;
    again.state = first.state;
    const after = await again.run();

    const eventOf = (r: RunResult) => {
      assert.deepEqual(
        r.findings.map((f) => f.reason),
        ['leaf_mismatch'],
      );
      return findingEvent(r.findings[0], sim.tenant.organizationUuid, new Date(now)).activity;
    };
    const [a, b] = [eventOf(before), eventOf(after)];
    assert.notDeepEqual(a.evidence, b.evidence, 'the second run proves against a newer checkpoint');
    assert.equal(b.id, a.id);
  } finally {
    first.close();
    again.close();
    await sim.close();
  }
});
