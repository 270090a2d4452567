import { test } from 'node:test';
import { sentinelScenario } from '../../chaos/scenarios/sentinel';
import { runReduced } from './support/run-scenario';

// #23 reduced: kill -9 three times mid-batch, then Azure down (503) with every token revoked,
// a kill during the outage, and a throttling storm (429 + Retry-After) on recovery. Nothing is
// lost in Sentinel or the file sink, and duplicates stay within the in-flight bound.
test('sentinel survives kill -9 mid-batch and an Azure outage: nothing lost, duplicates bounded', async (t) => {
  await runReduced(t, sentinelScenario);
});
