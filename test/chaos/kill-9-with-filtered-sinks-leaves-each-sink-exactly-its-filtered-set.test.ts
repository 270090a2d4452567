import { test } from 'node:test';
import { filteredKill9 } from '../../chaos/scenarios/filtered-kill9';
import { runReduced } from './support/run-scenario';

// Four file sinks filtering differently (types and severity, an organization, nothing,
// everything), SIGKILLed 3 times at random moments: after each kill everything behind the
// checkpoint that a filter selects is in its sink; at the end each holds exactly its set.
test('kill -9 with filtered sinks loses nothing: each sink ends with exactly its filtered set', async (t) => {
  await runReduced(t, filteredKill9);
});
