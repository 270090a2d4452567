import { test } from 'node:test';
import { checkpointFaults } from '../../chaos/scenarios/checkpoint-faults';
import { runReduced } from './support/run-scenario';

// Corrupt, truncated, another source's and another organization's checkpoint: `run` refuses
// with exit 1 and a message naming the file and `checkpoint reset`, never overwriting it;
// a read-only data directory refuses at start-up, and one that turns read-only mid-run holds
// delivery at the buffer and resumes by itself. Nothing lost, nothing duplicated.
test('checkpoint faults stop the forwarder clearly and lose nothing', async (t) => {
  await runReduced(t, checkpointFaults);
});
