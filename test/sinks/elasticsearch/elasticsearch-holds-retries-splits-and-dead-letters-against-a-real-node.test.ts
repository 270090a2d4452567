import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOrSkip } from '../../support/servers';
import { freePort } from '../../support/ports';
import { waitFor } from '../../support/forwarder';
import {
  SEARCH_ENGINE_INSTALL_HINT,
  startSearchEngine,
  type EngineReply,
  type SearchEngine,
} from '../../support/search-engine';
import { serializeEvent } from '../../../src/normalize';
import { hostileStrings } from '../../../src/simulator/hostile';
import type { OutputFormat } from '../../../src/config/fields';
import {
  storesTheWholeMixWithTemplates,
  countOf,
  createUnmappedIndex,
  makeSink,
  record,
  records,
  sendAll,
} from './helpers';

/**
 * One real Elasticsearch 8.19 node, security on as its zip ships it (TLS with its own CA,
 * file-realm users), a one-thread write pool with a one-slot queue (so concurrent bulk
 * requests get 429s) and a 256 KB http.max_content_length (so a large request gets 413).
 * Started once for the file: JVM start-up is the expensive part.
 */

let engine: SearchEngine | undefined;

before(async () => {
  engine = await startOrSkip('Elasticsearch', SEARCH_ENGINE_INSTALL_HINT, () =>
    startSearchEngine({
      product: 'elasticsearch',
      settings: {
        'thread_pool.write.size': '1',
        'thread_pool.write.queue_size': '1',
        'http.max_content_length': '256kb',
        'resource.reload.interval.high': '1s',
      },
    }),
  );
});

after(async () => {
  // Sends a failed test left retrying stop before the node goes.
  stopping.abort();
  await engine?.destroy();
});

function es(t: { skip(message: string): void }): SearchEngine | undefined {
  if (!engine) t.skip('Elasticsearch unavailable (see the SKIPPING line above)');
  return engine;
}

const stopping = new AbortController();
const signal = stopping.signal;

describe('Elasticsearch sink against a real node', () => {
  it('detects Elasticsearch without GET / and stores a batch over TLS with basic auth', async (t) => {
    const e = es(t);
    if (!e) return;
    const root = await e.request('GET', '/');
    assert.notEqual(root.status, 200, 'the test distribution serves no GET /');
    const { sink } = makeSink(e, { index: 'audit-basic', format: 'raw' });
    await sink.start(signal);
    assert.equal(sink.product, 'elasticsearch');
    const recs = records('basic', 30);
    const result = await sink.send(
      recs.map((r) => sink.encode(r)),
      signal,
    );
    assert.deepEqual(result.rejected, []);
    assert.deepEqual((await e.ids('audit-basic')).sort(), recs.map((r) => r.activity.id).sort());
    await sink.close();
  });

  it('refuses to start with a wrong API key, naming the field and never the key', async (t) => {
    const e = es(t);
    if (!e) return;
    const key = Buffer.from('not-an-id:not-a-key-SECRET').toString('base64');
    const { sink, logger } = makeSink(e, {
      index: 'audit-basic',
      username: undefined,
      password: undefined,
      api_key: key,
    });
    await assert.rejects(sink.start(signal), (err: Error) => {
      assert.match(err.message, /refuses the credentials.*401.*sinks\.es\.api_key/);
      assert.ok(!err.message.includes(key));
      return true;
    });
    assert.ok(!logger.text().includes(key));
    await sink.close();
  });

  it('holds every event while the credential is refused mid-run (readiness red, retried), then delivers', async (t) => {
    const e = es(t);
    if (!e) return;
    const password = 'writer-password-1';
    e.fileUser('writer', password);
    const { sink } = makeSink(e, { index: 'audit-auth', username: 'writer', password });
    await waitFor(
      async () =>
        await sink
          .start(signal)
          .then(() => true)
          .catch(() => false),
      30_000,
      'the user to exist',
    );
    e.fileUser('writer', undefined);
    await waitFor(
      async () =>
        (await e.request('GET', '/_cluster/health', undefined, { username: 'writer', password })).status ===
        401,
      30_000,
      'the node to drop the user',
    );
    const recs = records('auth', 20);
    const sent = sink.send(
      recs.map((r) => sink.encode(r)),
      signal,
    );
    await waitFor(() => sink.health().refused === true, 30_000, 'readiness to turn red for a refusal');
    const health = sink.health();
    assert.equal(health.healthy, false);
    assert.match(health.detail ?? '', /refuses the credentials/);
    assert.ok(!(health.detail ?? '').includes(password));
    assert.equal(await countOf(e, 'audit-auth'), 0, 'nothing stored while refused');
    e.fileUser('writer', password);
    const result = await sent;
    assert.deepEqual(result.rejected, [], 'nothing dead-lettered for a refused credential');
    assert.deepEqual(sink.health(), { healthy: true });
    assert.equal(await countOf(e, 'audit-auth'), recs.length);
    assert.ok(sink.stats.retries > 0);
    await sink.close();
  });

  it('dead-letters the document a strict mapping refuses, with the engine reason and without its content', async (t) => {
    const e = es(t);
    if (!e) return;
    const created = await e.request('PUT', '/audit-strict', {
      mappings: {
        properties: {
          count: { type: 'long' },
          probe: { type: 'object', dynamic: 'strict', properties: { known: { type: 'keyword' } } },
        },
      },
    });
    assert.equal(created.status, 200, created.body);
    const { sink, logger } = makeSink(e, { index: 'audit-strict', format: 'raw' });
    await sink.start(signal);
    const recs = records('strict', 10);
    const strict = { ...recs[3].activity, probe: { unknown_field: 'x' } };
    const parse = { ...recs[6].activity, count: 'SECRET-VALUE-not-a-number' };
    const batch = recs.map((r, i) => (i === 3 ? record(strict, 3) : i === 6 ? record(parse, 6) : r));
    const result = await sink.send(
      batch.map((r) => sink.encode(r)),
      signal,
    );
    const reasons = new Map(result.rejected.map((r) => [r.item.record.activity.id, r.reason]));
    assert.deepEqual([...reasons.keys()].sort(), [strict.id, parse.id].sort());
    assert.match(
      reasons.get(strict.id)!,
      /^Elasticsearch refused the document: strict_dynamic_mapping_exception/,
    );
    assert.match(reasons.get(parse.id)!, /^Elasticsearch refused the document: document_parsing_exception/);
    assert.ok(!reasons.get(parse.id)!.includes('SECRET-VALUE'), reasons.get(parse.id));
    assert.ok(!logger.text().includes('SECRET-VALUE'));
    assert.equal(await countOf(e, 'audit-strict'), 8);
    assert.equal(sink.stats.requests.rejected, 1);
    assert.deepEqual(sink.health(), { healthy: true });
    await sink.close();
  });

  it('retries only the items a tiny write queue refuses with 429 until every one is stored', async (t) => {
    const e = es(t);
    if (!e) return;
    await createUnmappedIndex(e, 'audit-busy');
    const { sink } = makeSink(e, {
      index: 'audit-busy',
      batch: { max_events: 25, concurrency: 8 },
    });
    await sink.start(signal);
    const recs = records('busy', 1500);
    await sendAll(sink, recs, signal);
    assert.equal(await countOf(e, 'audit-busy'), recs.length);
    assert.ok(sink.details.itemRetries > 0, `429s were met and retried: ${JSON.stringify(sink.details)}`);
    assert.equal(sink.details.rejected, 0);
    await sink.close();
  });

  it('splits a request over http.max_content_length and dead-letters a document too large alone', async (t) => {
    const e = es(t);
    if (!e) return;
    const { sink } = makeSink(e, {
      index: 'audit-large',
      format: 'raw',
      batch: { max_events: 1000, max_bytes: '4MB' },
    });
    await sink.start(signal);
    const recs = records('large', 120).map((r) =>
      record({ ...r.activity, padding: 'p'.repeat(4000) }, r.seq),
    );
    const huge = record({ ...records('large', 1, 500)[0].activity, padding: 'h'.repeat(400_000) }, 500);
    const batch = [...recs.slice(0, 60), huge, ...recs.slice(60)];
    const result = await sink.send(
      batch.map((r) => sink.encode(r)),
      signal,
    );
    assert.deepEqual(
      result.rejected.map((r) => r.item.record.activity.id),
      [huge.activity.id],
    );
    assert.match(result.rejected[0].reason, /larger than Elasticsearch accepts.*http\.max_content_length/);
    assert.ok(sink.details.splits > 0);
    assert.equal(
      sink.stats.retries,
      0,
      `a 413 is split at once, not retried: ${JSON.stringify(sink.stats.requests)}`,
    );
    assert.equal(await countOf(e, 'audit-large'), recs.length);
    await sink.close();
  });

  it('spreads requests over the endpoints and fails over from one that is down', async (t) => {
    const e = es(t);
    if (!e) return;
    const closed = await freePort();
    await createUnmappedIndex(e, 'audit-failover');
    const { sink, logger } = makeSink(e, {
      index: 'audit-failover',
      endpoints: [`https://127.0.0.1:${closed}`, e.url],
      batch: { max_events: 10, concurrency: 1 },
    });
    await sink.start(signal);
    const recs = records('failover', 100);
    await sendAll(sink, recs, signal);
    assert.equal(await countOf(e, 'audit-failover'), recs.length);
    // Half the requests start at the dead node; without fail-over each of them would wait once.
    assert.ok(sink.stats.retries < 5, `a node that is down costs no retry wait: ${logger.text()}`);
    await sink.close();
  });

  it('stores hostile strings intact in every format, ECS into a data stream with consistent data_stream fields', async (t) => {
    const e = es(t);
    if (!e) return;
    const tpl = await e.request('PUT', '/_index_template/claude-audit', {
      index_patterns: ['logs-claude.audit-*'],
      data_stream: {},
      priority: 500,
    });
    assert.equal(tpl.status, 200, tpl.body);
    const hostile = hostileStrings();
    for (const format of ['ecs', 'ocsf', 'raw'] as OutputFormat[]) {
      const index = format === 'ecs' ? 'logs-claude.audit-default' : `audit-hostile-${format}`;
      const { sink, logger } = makeSink(e, { index, format });
      await sink.start(signal);
      // install_templates (the default) meets the user's own template for this data stream:
      // the mapping is theirs, so the sink says so and writes on.
      if (format === 'ecs')
        assert.equal(logger.count('warn', /index template not installed/), 1, logger.text());
      const base = records(`hostile_${format}`, 1)[0].activity;
      const activity = {
        ...base,
        actor: { ...base.actor, user_agent: hostile.crlf, ip_address: '203.0.113.9' },
        hostile,
        note: hostile.json,
      };
      const rec = record(activity);
      const result = await sink.send([sink.encode(rec)], signal);
      assert.deepEqual(result.rejected, [], format);
      await e.request('POST', `/${index}/_refresh`);
      const found: EngineReply = await e.request('POST', `/${index}/_search`, {
        query: { ids: { values: [activity.id] } },
      });
      const hits = found.json<{ hits: { hits: { _index: string; _source: Record<string, unknown> }[] } }>()
        .hits.hits;
      assert.equal(hits.length, 1, `${format}: ${found.body.slice(0, 300)}`);
      const stored = hits[0]._source;
      const expected = JSON.parse(serializeEvent(record(activity), format)) as Record<string, unknown>;
      if (format === 'ecs') {
        assert.match(hits[0]._index, /^\.ds-logs-claude\.audit-default-/);
        assert.deepEqual(stored.data_stream, { type: 'logs', dataset: 'claude.audit', namespace: 'default' });
        assert.equal((stored.event as Record<string, unknown>).dataset, 'claude.audit');
        // event.created is the time of normalizing: it differs between the two renderings.
        const { data_stream: _ds, event: storedEvent, ...rest } = stored;
        const { event: expectedEvent, ...expectedRest } = expected;
        const { created: _c1, dataset: _d, ...storedEventRest } = storedEvent as Record<string, unknown>;
        const { created: _c2, ...expectedEventRest } = expectedEvent as Record<string, unknown>;
        assert.deepEqual(rest, expectedRest);
        assert.deepEqual(storedEventRest, expectedEventRest);
      } else {
        assert.equal(stored['@timestamp'], activity.created_at);
        const { '@timestamp': _ts, ...rest } = stored;
        assert.deepEqual(rest, expected, format);
      }
      await sink.close();
    }
  });

  it('loses nothing when the node is killed mid-run, and a second run stores no duplicate', async (t) => {
    const e = es(t);
    if (!e) return;
    await createUnmappedIndex(e, 'audit-kill');
    const { sink } = makeSink(e, { index: 'audit-kill', batch: { max_events: 50, concurrency: 2 } });
    await sink.start(signal);
    const recs = records('kill', 2000);
    const first = sendAll(sink, recs, signal);
    await waitFor(
      async () => (await countOf(e, 'audit-kill').catch(() => 0)) >= 200,
      60_000,
      'some documents',
    );
    await e.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await e.start();
    await first;
    assert.equal(await countOf(e, 'audit-kill'), recs.length, 'every document stored once');
    const duplicatesBefore = sink.details.duplicates;
    await sendAll(sink, recs, signal);
    assert.equal(await countOf(e, 'audit-kill'), recs.length, 'a second run adds nothing');
    assert.equal(sink.details.duplicates - duplicatesBefore, recs.length, 'each resend is answered 409');
    await sink.close();
  });

  it('with install_templates, stores the whole activity mix in every format, typed and searchable', async (t) => {
    const e = es(t);
    if (!e) return;
    for (const format of ['ecs', 'ocsf', 'raw'] as OutputFormat[])
      await storesTheWholeMixWithTemplates(e, format, signal);
  });
});
