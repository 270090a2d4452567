import { test } from 'node:test';
import { s3Faults } from '../../chaos/scenarios/s3-faults';
import { runReduced } from './support/run-scenario';

// The S3 sink against moto behind a relay: SIGKILLed 3 times while PUTting objects, then the
// store cut off for 6 s under live traffic. After each kill everything behind the checkpoint
// is in the bucket; at the end nothing is missing and duplicates stay within
// kills × (max_buffered_events + page_size).
test('S3: kill -9 mid-upload and an outage of the store lose nothing', async (t) => {
  await runReduced(t, s3Faults);
});
