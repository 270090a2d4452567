import { test } from 'node:test';
import { apiFaultScenario } from '../../chaos/scenarios/api-faults';
import { runReduced } from './support/run-scenario';

// 429 storms with retry-after, 5xx, hanging responses past request_timeout, truncated and
// HTML pages, x-should-retry: false, late-indexed and re-served rows, then a key revoked
// mid-run and one refused at start-up: nothing lost, nothing duplicated, retry-after obeyed
// and never more than max_requests_per_minute (counted by the simulator).
test('API faults lose nothing, duplicate nothing and respect retry-after and our rate cap', async (t) => {
  await runReduced(t, apiFaultScenario);
});
