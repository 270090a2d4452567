import { test } from 'node:test';
import { verifierUnderRateLimits } from '../../chaos/scenarios/verifier-under-rate-limits';
import { runReduced } from './support/run-scenario';

// The transparency log verifier shares the rate budget with delivery: under 429s and 503s on
// every endpoint it never reports a finding, delivery loses nothing, and once the storm
// passes a run proves every served event.
test('the verifier under a 429 storm and 503s: no finding, no delivery lost', async (t) => {
  await runReduced(t, verifierUnderRateLimits);
});
