import { test } from 'node:test';
import { sinkOutages } from '../../chaos/scenarios/sink-outages';
import { runReduced } from './support/run-scenario';

// HEC answering 503, HEC acks that never come, rsyslog restarted twice, the file sink's disk
// full (a real tmpfs): the forwarder stays up, the other sinks keep receiving, and once the
// sink is back every sink has every activity. (Kafka's broker outage runs in `npm run chaos`.)
test('sink outages lose nothing, keep the other sinks fed and never stop the forwarder', async (t) => {
  await runReduced(t, sinkOutages, { syslog: true });
});
