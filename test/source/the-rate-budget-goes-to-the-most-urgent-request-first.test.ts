import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateGovernor } from '../../src/source/rate-limit';

/**
 * Parallel backfill asks for the page the consumer reads next with urgency 0 and for later
 * slices with more. A request waiting for the rate budget must not be stuck behind requests
 * for pages needed later (it was: every catch-up began with the consumer idle while the
 * probes of five later slices took their turns), and waiting for the budget must not
 * serialize the requests themselves: slow responses overlap.
 */
test('a waiting urgent request is admitted before less urgent ones queued earlier, and responses still overlap', async () => {
  const governor = new RateGovernor(1200); // one admission every 50 ms
  const started: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const request = (name: string) => async () => {
    started.push(name);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((r) => setTimeout(r, 300)); // a slow response
    inFlight--;
    return name;
  };
  try {
    const later = Array.from({ length: 6 }, (_, i) => governor.schedule(request(`later-${i}`), undefined, 5));
    await new Promise((r) => setTimeout(r, 20));
    const urgent = governor.schedule(request('urgent'), undefined, 0);
    await Promise.all([...later, urgent]);
    // One admission is already booked when the urgent request arrives; it goes right after.
    assert.ok(started.indexOf('urgent') <= 2, `admitted in this order: ${started.join(', ')}`);
    assert.ok(maxInFlight >= 3, `responses overlap (at most ${maxInFlight} in flight)`);
  } finally {
    await governor.stop();
  }
});
