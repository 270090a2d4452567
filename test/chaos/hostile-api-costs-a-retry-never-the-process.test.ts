import { test } from 'node:test';
import { hostileApi } from '../../chaos/scenarios/hostile-api';
import { runReduced } from './support/run-scenario';

// Issue #15: a row dated 2999, a created_at that is not a time, an endless body, a gzip
// bomb, a 4 MB field, 50 000 rows for a smaller limit, a trickling body, a Retry-After of
// 20 days and a rate-limit reset in 2999, against the command as shipped (bounded heap):
// nothing lost, invented rows dead-lettered, memory under the bound, metrics and /readyz
// saying what happened.
test('a hostile API costs a retry, never the process or the trail', async (t) => {
  await runReduced(t, hostileApi);
});
