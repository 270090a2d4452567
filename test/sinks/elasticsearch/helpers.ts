import assert from 'node:assert/strict';
import type { PipelineRecord } from '../../../src/pipeline/record';
import type { OutputFormat } from '../../../src/config/fields';
import type { Activity } from '../../../src/source/activity';
import { makeRandomActivity } from '../../../src/simulator/generate';
import { ElasticsearchSink, elasticsearchSinkConfig } from '../../../src/sinks/elasticsearch';
import type { SearchEngine } from '../../support/search-engine';
import { captureLogger } from '../splunk-hec/helpers';
import { encodeBatches } from '../../support/sink-pump';

/** Fast enough for tests, slow enough to be seen. */
export const FAST_RETRY = { initial_backoff: '50ms', max_backoff: '500ms' };

/** The engine's admin credential and CA as sink config (Elasticsearch with security). */
export function engineAccess(engine: SearchEngine): Record<string, unknown> {
  return engine.user
    ? {
        endpoints: [engine.url],
        username: engine.user.username,
        password: engine.user.password,
        tls: { ca_file: engine.caFile },
      }
    : { endpoints: [engine.url] };
}

export function makeSink(
  engine: SearchEngine,
  config: Record<string, unknown>,
): { sink: ElasticsearchSink; logger: ReturnType<typeof captureLogger> } {
  const logger = captureLogger();
  const parsed = elasticsearchSinkConfig.parse({
    type: 'elasticsearch',
    ...engineAccess(engine),
    retry: FAST_RETRY,
    request_timeout: '20s',
    ...config,
  });
  const sink = new ElasticsearchSink('es', parsed, {
    logger,
    hostname: 'test-host',
    version: '0.0.0-test',
    baseDir: process.cwd(),
  });
  return { sink, logger };
}

export function records(prefix: string, count: number, from = 0): PipelineRecord[] {
  return Array.from({ length: count }, (_, k) => {
    const activity: Activity = {
      ...makeRandomActivity(from + k + 1),
      id: `activity_${prefix}_${String(from + k).padStart(6, '0')}`,
    };
    return { seq: from + k, activity, raw: JSON.stringify(activity) };
  });
}

export function record(activity: Activity, seq = 0): PipelineRecord {
  return { seq, activity, raw: JSON.stringify(activity) };
}

/** Documents stored under `target` (refreshed first). */
export async function countOf(engine: SearchEngine, target: string): Promise<number> {
  await engine.request('POST', `/${target}/_refresh`);
  const r = await engine.request('GET', `/${target}/_count`);
  if (r.status === 404) return 0;
  if (r.status !== 200) throw new Error(`count ${target}: ${r.status} ${r.body.slice(0, 300)}`);
  return r.json<{ count: number }>().count;
}

/** Sends every batch, `batch.concurrency` in flight like the pipeline, until `signal` aborts. */
export async function sendAll(
  sink: ElasticsearchSink,
  recs: readonly PipelineRecord[],
  signal: AbortSignal,
): Promise<void> {
  const { batches } = encodeBatches(sink, recs);
  let next = 0;
  await Promise.all(
    Array.from({ length: sink.batch.concurrency }, async () => {
      while (next < batches.length) {
        const result = await sink.send(batches[next++], signal);
        if (result.rejected.length) throw new Error(`unexpected rejections: ${result.rejected[0].reason}`);
      }
    }),
  );
}

/** An index that stores every document whatever its fields: no dynamic mapping to conflict. */
export async function createUnmappedIndex(engine: SearchEngine, index: string): Promise<void> {
  const r = await engine.request('PUT', `/${index}`, { mappings: { dynamic: false } });
  if (r.status !== 200) throw new Error(`create ${index}: ${r.body}`);
}

/** A field each format's template types, and a value the first record has there. */
function typedField(format: OutputFormat, rec: PipelineRecord): { field: string; value: string | number } {
  if (format === 'ecs') return { field: 'event.action', value: rec.activity.type };
  if (format === 'raw') return { field: 'type', value: rec.activity.type };
  return { field: 'metadata.uid', value: rec.activity.id };
}

/**
 * With install_templates, the simulator's whole mix (fields that change type between
 * activity types: dynamic mapping refuses some) is stored in `format`, and a typed field
 * answers a term query. Returns the field mapping of the pass-through part, for the caller.
 */
export async function storesTheWholeMixWithTemplates(
  engine: SearchEngine,
  format: OutputFormat,
  signal: AbortSignal,
): Promise<void> {
  const index = `logs-claude.typed${format}-default`;
  const { sink } = makeSink(engine, { index, format, install_templates: true, batch: { max_events: 200 } });
  await sink.start(signal);
  const recs = records(`typed_${format}`, 600);
  await sendAll(sink, recs, signal);
  assert.equal(await countOf(engine, index), recs.length, `${format}: every activity stored`);
  const { field, value } = typedField(format, recs[0]);
  const found = await engine.request('POST', `/${index}/_count`, { query: { term: { [field]: value } } });
  assert.ok(found.json<{ count: number }>().count >= 1, `${format}: ${field} is indexed: ${found.body}`);
  await sink.close();
}
