import { test } from 'node:test';
import { backpressure } from '../../chaos/scenarios/backpressure';
import { runReduced } from './support/run-scenario';

// The only sink's receiver stops reading while the API holds 100 000 activities (a million in
// `npm run chaos`): the poller stops fetching, RSS stays flat and under 200 MB, and when the
// receiver reads again every activity arrives.
test('a stalled sink stops the fetching, keeps memory flat, and everything arrives after', async (t) => {
  await runReduced(t, backpressure);
});
