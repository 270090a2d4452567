import { test } from 'node:test';
import { elasticsearchChaos } from '../../chaos/scenarios/elasticsearch';
import { runReduced } from './support/run-scenario';

// A real Elasticsearch node behind the forwarder, SIGKILLed 3 times mid-batch and then
// stopped for 5 s while it delivers: nothing offered is missing, and no document is stored
// twice beyond the in-flight bound (create + _id = activity id makes resends 409s).
test('Elasticsearch: kill -9 mid-batch and a node outage lose nothing and bound the duplicates', async (t) => {
  await runReduced(t, elasticsearchChaos);
});
