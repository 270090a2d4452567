import { freePort } from '../../support/ports';
import { startOrSkip } from '../../support/servers';
import { SEARCH_ENGINE_INSTALL_HINT, startSearchEngine } from '../../support/search-engine';
import { FAST_RETRY, type Harness } from './harness';

const INDEX = 'logs-conformance-default';

/**
 * A real Elasticsearch 8.19 with security as its zip ships it (TLS, a file-realm user). A
 * data stream whose template maps `padding` as a number: a text there is a mapping error.
 * Broken by a read-only-allow-delete block, which Elasticsearch answers with 429 per item.
 */
export const elasticsearchHarness: Harness = {
  type: 'elasticsearch',
  async setUp() {
    const engine = await startOrSkip('Elasticsearch', SEARCH_ENGINE_INSTALL_HINT, () =>
      startSearchEngine({ product: 'elasticsearch' }),
    );
    if (!engine) return undefined;
    const template = await engine.request('PUT', '/_index_template/conformance', {
      index_patterns: [INDEX],
      data_stream: {},
      priority: 500,
      template: { mappings: { properties: { padding: { type: 'long' } } } },
    });
    if (template.status !== 200) throw new Error(`index template: ${template.body}`);
    const block = (on: boolean) =>
      engine.request('PUT', `/${INDEX}/_settings`, {
        'index.blocks.read_only_allow_delete': on ? true : null,
      });
    const closed = await freePort();
    return {
      config: {
        type: 'elasticsearch',
        endpoints: [engine.url],
        username: engine.user!.username,
        password: engine.user!.password,
        tls: { ca_file: engine.caFile },
        index: INDEX,
        format: 'raw',
        retry: FAST_RETRY,
        request_timeout: '10s',
        batch: { max_events: 20, timeout: '20ms' },
      },
      async received() {
        return engine.ids(INDEX);
      },
      async breakTransiently() {
        await block(true);
      },
      async recover() {
        await block(false);
      },
      refusal: {
        by: 'destination',
        make: (a) => ({ ...a, padding: 'not a number' }),
        reason: /^Elasticsearch refused the document: document_parsing_exception: .*padding/,
      },
      brokenConfig: {
        type: 'elasticsearch',
        endpoints: [`http://127.0.0.1:${closed}`],
        request_timeout: '2s',
      },
      async dispose() {
        await engine.destroy();
      },
    };
  },
};
