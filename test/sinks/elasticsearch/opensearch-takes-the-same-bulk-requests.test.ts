import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOrSkip } from '../../support/servers';
import {
  SEARCH_ENGINE_INSTALL_HINT,
  startSearchEngine,
  type EngineReply,
  type SearchEngine,
} from '../../support/search-engine';
import { hostileStrings } from '../../../src/simulator/hostile';
import type { OutputFormat } from '../../../src/config/fields';
import { storesTheWholeMixWithTemplates, countOf, makeSink, record, records } from './helpers';

/**
 * One real OpenSearch 2.19 node (its test zip has no security plugin: plain HTTP). The same
 * sink, unchanged: plain application/x-ndjson, gzip bodies, no Elasticsearch-only query
 * parameters, data streams, mapper_parsing_exception dead-lettered, 409 on a resend.
 */

let engine: SearchEngine | undefined;
const stopping = new AbortController();
const signal = stopping.signal;

before(async () => {
  engine = await startOrSkip('OpenSearch', SEARCH_ENGINE_INSTALL_HINT, () =>
    startSearchEngine({ product: 'opensearch' }),
  );
});

after(async () => {
  stopping.abort();
  await engine?.destroy();
});

describe('Elasticsearch sink against a real OpenSearch node', () => {
  it('writes every format into a data stream, hostile strings intact, and a resend is answered 409', async (t) => {
    const e = engine;
    if (!e) return t.skip('OpenSearch unavailable (see the SKIPPING line above)');
    const tpl = await e.request('PUT', '/_index_template/claude-audit', {
      index_patterns: ['logs-claude.*-*'],
      data_stream: {},
      priority: 200,
      template: { mappings: { dynamic: false } },
    });
    assert.equal(tpl.status, 200, tpl.body);
    for (const format of ['ecs', 'ocsf', 'raw'] as OutputFormat[]) {
      const index = `logs-claude.${format}-default`;
      const { sink } = makeSink(e, { index, format });
      await sink.start(signal);
      assert.equal(sink.product, 'opensearch');
      const recs = records(`os_${format}`, 40);
      const hostile = { ...recs[0].activity, hostile: hostileStrings() };
      const batch = [record(hostile), ...recs.slice(1)];
      const first = await sink.send(
        batch.map((r) => sink.encode(r)),
        signal,
      );
      assert.deepEqual(first.rejected, [], format);
      assert.equal(sink.stats.requests.retried, 0, 'no parameter OpenSearch refuses');
      const again = await sink.send(
        batch.map((r) => sink.encode(r)),
        signal,
      );
      assert.deepEqual(again.rejected, []);
      assert.equal(sink.details.duplicates, batch.length, 'each resend answered 409 and counted delivered');
      assert.equal(await countOf(e, index), batch.length);
      await e.request('POST', `/${index}/_refresh`);
      const found: EngineReply = await e.request('POST', `/${index}/_search`, {
        query: { ids: { values: [hostile.id] } },
      });
      const hit = found.json<{ hits: { hits: { _index: string; _source: Record<string, unknown> }[] } }>()
        .hits.hits[0];
      assert.match(hit._index, new RegExp(`^\\.ds-${index.replace(/\./g, '\\.')}-0+1$`));
      const source = hit._source;
      if (format !== 'ocsf') {
        const carried =
          format === 'ecs' ? (source.anthropic as { audit: Record<string, unknown> }).audit : source;
        assert.deepEqual(carried.hostile, hostileStrings(), format);
      }
      assert.deepEqual(source.data_stream, {
        type: 'logs',
        dataset: `claude.${format}`,
        namespace: 'default',
      });
      await sink.close();
    }
  });

  it('dead-letters a document OpenSearch cannot map, with its reason, and stores the rest', async (t) => {
    const e = engine;
    if (!e) return t.skip('OpenSearch unavailable (see the SKIPPING line above)');
    const created = await e.request('PUT', '/audit-typed', {
      mappings: { dynamic: false, properties: { count: { type: 'long' } } },
    });
    assert.equal(created.status, 200, created.body);
    const { sink } = makeSink(e, { index: 'audit-typed', format: 'raw' });
    await sink.start(signal);
    const recs = records('os_typed', 10);
    const bad = { ...recs[5].activity, count: 'SECRET-not-a-number' };
    const result = await sink.send(
      recs.map((r, i) => sink.encode(i === 5 ? record(bad, 5) : r)),
      signal,
    );
    assert.deepEqual(
      result.rejected.map((r) => r.item.record.activity.id),
      [bad.id],
    );
    assert.match(result.rejected[0].reason, /^Elasticsearch refused the document: mapper_parsing_exception/);
    assert.ok(!result.rejected[0].reason.includes('SECRET'), result.rejected[0].reason);
    assert.equal(await countOf(e, 'audit-typed'), 9);
    await sink.close();
  });

  it('with install_templates, stores the whole activity mix in every format, typed and searchable', async (t) => {
    const e = engine;
    if (!e) return t.skip('OpenSearch unavailable (see the SKIPPING line above)');
    for (const format of ['ecs', 'ocsf', 'raw'] as OutputFormat[])
      await storesTheWholeMixWithTemplates(e, format, signal);
  });
});
