import { test } from 'node:test';
import { sinkIsolation } from '../../chaos/scenarios/sink-isolation';
import { runReduced } from './support/run-scenario';

// #17 with 20 s outages: Kafka down at start-up, HEC down, HEC never acknowledging, kill -9
// during HEC's catch-up, HEC and the API unreachable together. The other sinks keep receiving,
// /readyz and sink_healthy turn within health.unhealthy_after + 5 s, and once the sink is back
// nothing is lost anywhere (none twice where nothing was in flight).
test('a dead sink never stops the others, health turns in time, and its catch-up loses nothing', async (t) => {
  await runReduced(t, sinkIsolation, { kafka: {} });
});
