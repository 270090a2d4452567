import { test } from 'node:test';
import { kill9 } from '../../chaos/scenarios/kill9';
import { runReduced } from './support/run-scenario';

// file + HEC (indexer acks) + rsyslog + Kafka at once, SIGKILLed 4 times at random moments:
// after each kill everything behind the checkpoint is in every sink; at the end nothing is
// missing anywhere and duplicates stay within kills × (max_buffered_events + page_size).
test('kill -9 at random moments loses nothing in any sink and bounds the duplicates', async (t) => {
  await runReduced(t, kill9);
});
