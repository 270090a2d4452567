import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertExact,
  deliverCasesWithBackground,
  distQueries,
  engineForFile,
  judge,
  luceneFinder,
} from './support/engine-cases';
import { findSigmaVenv } from './support/sigma';

/**
 * Issue #24, proven in a real engine: every single-event rule's Lucene query (dist/opensearch)
 * run in a real OpenSearch 2.19 that the real forwarder filled through its Elasticsearch sink
 * as shipped (ECS, default data stream and templates). The cases sit among a day of simulated
 * background activity (1 % hostile strings, 1 % unknown types); each query must find exactly
 * what its rule means on the stored documents (pySigma's rule through claude_ecs), every
 * firing case and no near-miss. Correlations have no Lucene form (dist/support.json).
 */
const node = engineForFile('opensearch');

test(
  'each Lucene query finds in OpenSearch exactly the events its rule matches, with every firing case and no near-miss',
  { timeout: 900_000 },
  async (t) => {
    const venv = findSigmaVenv();
    if (!node.engine || !venv)
      return t.skip('OpenSearch or the pySigma venv unavailable (see the SKIPPING line above)');
    const corpus = await deliverCasesWithBackground(node.engine, 3000);
    const queries = distQueries('opensearch', 'lucene');
    assert.ok(queries.size >= 40, `${queries.size} Lucene queries`);
    assertExact(t, await judge(corpus, queries, venv, luceneFinder(node.engine)), corpus, 'Lucene');
  },
);
