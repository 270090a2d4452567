import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import type { RunResult } from '../../src/transparency/verifier';
import { TestVerifier } from '../support/transparency-verifier';

/**
 * spec §5.3: each fault the simulator injects is reported by the next run with its reason,
 * and with no other finding beside it (a false alarm would be one).
 */
const HOUR = 3_600_000;

async function withLog(
  body: (sim: SimulatorHandle, verifier: TestVerifier, clock: { now: number }) => Promise<void>,
): Promise<void> {
  const clock = { now: Date.parse('2026-10-06T09:00:00Z') };
  const sim = await startSimulator({ seed: 9, rateLimit: false, selfEvents: false, clock: () => clock.now });
  const verifier = new TestVerifier(sim, () => clock.now);
  try {
    sim.append(20, { type: 'anthropic_access' });
    clock.now += 1000;
    await body(sim, verifier, clock);
  } finally {
    verifier.close();
    await sim.close();
  }
}

function reasons(result: RunResult): string[] {
  return [...new Set(result.findings.map((f) => f.reason))];
}

async function clean(verifier: TestVerifier): Promise<void> {
  const result = await verifier.run();
  assert.equal(result.outcome, 'clean', JSON.stringify(result.findings.map((f) => f.message)));
}

describe('no false alarm', () => {
  it('the verifier reads the whole organization, whatever source.actor_ids and organization_ids keep', () =>
    withLog(async (sim, _verifier, clock) => {
      const filtered = new TestVerifier(
        sim,
        () => clock.now,
        { unserved_grace: 0 },
        {
          activityTypes: [],
          excludeActivityTypes: [],
          organizationIds: [sim.tenant.organizationId],
          actorIds: ['user_01NobodyAtAnthropic0000000'],
        },
      );
      try {
        const result = await filtered.run();
        assert.equal(result.outcome, 'clean', JSON.stringify(result.findings.map((f) => f.message)));
        assert.equal(result.verified, 20);
      } finally {
        filtered.close();
      }
    }));
});

describe('no false alarm either', () => {
  it("an id first served without its index, then with it (as Anthropic's verifier expects), is proven, not changed", async () => {
    let now = Date.parse('2026-10-06T09:00:00Z');
    const sim = await startSimulator({
      seed: 10,
      rateLimit: false,
      selfEvents: false,
      clock: () => now,
      accessTransparency: { unindexedCopyMs: 60_000 },
    });
    const verifier = new TestVerifier(sim, () => now);
    try {
      sim.append(3, { type: 'anthropic_access' });
      now += 1000;
      sim.append(1, { type: 'anthropic_access' });
      now += 59_500;
      const first = await verifier.run();
      assert.equal(first.outcome, 'clean', JSON.stringify(first.findings.map((f) => f.message)));
      assert.equal(first.verified, 3);
      assert.equal(first.notLogged.length, 1, 'the copy served before its stamp has no index');
      now += 60_000;
      const second = await verifier.run();
      assert.equal(second.outcome, 'clean', JSON.stringify(second.findings.map((f) => f.message)));
      assert.equal(second.verified, 1);
      assert.deepEqual(second.notLogged, []);
    } finally {
      verifier.close();
      await sim.close();
    }
  });
});

describe('injected faults', () => {
  it('a checkpoint signed by a key nobody pinned: checkpoint_unknown_key, and nothing is saved', () =>
    withLog(async (sim, verifier) => {
      sim.setLogFaults({ unknownKey: true });
      const result = await verifier.run();
      assert.deepEqual(reasons(result), ['checkpoint_unknown_key']);
      assert.equal(result.state.checkpoint, null, 'an unverified checkpoint is never saved');
    }));

  it('a leaf rewritten before it was verified: leaf_mismatch for that event alone', () =>
    withLog(async (sim, verifier) => {
      sim.setLogFaults({ rewrittenLeaf: 3 });
      const result = await verifier.run();
      assert.deepEqual(reasons(result), ['leaf_mismatch']);
      assert.deepEqual(
        result.findings.map((f) => f.leaf_index),
        [3],
      );
      assert.equal(result.verified, 19, 'every other event is proven');
    }));

  it('a forked history after a verified checkpoint: log_fork at the same size, log_inconsistent once it grew', () =>
    withLog(async (sim, verifier, clock) => {
      await clean(verifier);
      sim.setLogFaults({ rewrittenLeaf: 0 });
      assert.deepEqual(reasons(await verifier.run()), ['log_fork']);
      sim.append(5, { type: 'cmek_preserve' });
      clock.now += 1000;
      assert.deepEqual(reasons(await verifier.run()), ['log_inconsistent']);
      assert.equal(verifier.state.size, 20, 'the verified checkpoint stays the last honest one');
    }));

  it('an index that changes between two servings: event_changed', () =>
    withLog(async (sim, verifier) => {
      await clean(verifier);
      const [first] = sim.allIds();
      sim.changeLeafIndex(first, 11);
      const result = await verifier.run();
      assert.deepEqual(reasons(result), ['event_changed']);
      assert.equal(result.findings[0].id, first);
    }));

  it('a committed event the feed never serves: nothing within the grace, committed_not_served after it, once', () =>
    withLog(async (sim, verifier, clock) => {
      const [hidden] = sim.commitUnserved(1);
      clock.now += 1000;
      await clean(verifier);
      assert.deepEqual(
        verifier.state.unserved.map((u) => u.id),
        [hidden],
      );
      clock.now += 25 * HOUR;
      const result = await verifier.run();
      assert.deepEqual(reasons(result), ['committed_not_served']);
      assert.equal(result.findings[0].id, hidden);
      await clean(verifier);
    }));

  it('403 on inclusion only: inclusion_refused', () =>
    withLog(async (sim, verifier) => {
      sim.setLogFaults({ inclusionForbidden: true });
      const result = await verifier.run();
      assert.deepEqual(reasons(result), ['inclusion_refused']);
    }));
});
