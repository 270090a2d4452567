import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrSkip } from '../support/servers';
import { SEARCH_ENGINE_INSTALL_HINT, startSearchEngine, type SearchEngine } from '../support/search-engine';
import { deliverCasesWithBackground, distQueries, judge, wrongs } from './support/engine-cases';
import { findSigmaVenv } from './support/sigma';

/**
 * Issue #24, proven in a real engine: every rule's Lucene query (dist/opensearch, the same
 * query Elastic's Lucene rules take) run in a real OpenSearch that the real forwarder filled
 * through its Elasticsearch sink, as shipped (ECS, default data stream and templates). The
 * test cases sit among a day of simulated background activity (1 % hostile strings, 1 %
 * unknown types); each query must find exactly what the rule means on the stored documents,
 * every firing case and no near-miss. Correlations have no Lucene form (dist/support.json).
 */

let engine: SearchEngine | undefined;

before(async () => {
  engine = await startOrSkip('OpenSearch', SEARCH_ENGINE_INSTALL_HINT, () =>
    startSearchEngine({ product: 'opensearch' }),
  );
});

after(async () => {
  await engine?.destroy();
});

test(
  'each Lucene query finds in OpenSearch exactly the events its rule matches, with every firing case and no near-miss',
  { timeout: 900_000 },
  async (t) => {
    const venv = findSigmaVenv();
    if (!engine || !venv)
      return t.skip('OpenSearch or the pySigma venv unavailable (see the SKIPPING line above)');
    const corpus = await deliverCasesWithBackground(engine, 3000);
    const queries = distQueries('opensearch', 'lucene');
    assert.ok(queries.size >= 40, `${queries.size} Lucene queries`);
    const verdicts = await judge(engine, corpus, queries, venv, (query) => ({ query_string: { query } }));
    assert.deepEqual(wrongs(verdicts), []);
    const onBackground = verdicts.filter((v) => v.backgroundHits > 0);
    t.diagnostic(
      `${verdicts.length} rules, ${corpus.documents.size} documents (${corpus.background.size} background); ${onBackground.length} rules also hit background activity, each exactly as its rule means (${onBackground.reduce((n, v) => n + v.backgroundHits, 0)} hits)`,
    );
  },
);
