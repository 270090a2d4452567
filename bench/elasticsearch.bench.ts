/**
 * Elasticsearch sink throughput: activities/s stored by a real single-node Elasticsearch 8.19
 * (TLS, basic auth, the test distribution from scripts/ci/elasticsearch.sh), gzip on and off,
 * against the Compliance API's own ceiling (600 requests/min × 5,000 activities a page =
 * 50,000/s: no deployment can be asked to take more than that).
 *
 *   node --import tsx bench/elasticsearch.bench.ts [--events 30000] [--batch 1000] [--concurrency 4] [--format ecs]
 *
 * The node runs on the same machine with a 512 MB heap (it shares the CPU with the sink), so
 * the figures are a floor for a real cluster; the index has `dynamic: false` so mapping work
 * does not dominate.
 */
import { parseArgs } from 'node:util';
import { ElasticsearchSink } from '../src/sinks/elasticsearch';
import { elasticsearchSinkConfig } from '../src/sinks/elasticsearch/config';
import type { OutputFormat } from '../src/config/fields';
import { silentLogger } from '../src/observability/logger';
import { startSearchEngine, type SearchEngine } from '../test/support/search-engine';
import { benchRecords, pump } from '../test/support/sink-pump';

const API_CEILING_PER_SECOND = (600 / 60) * 5000;

export interface ElasticsearchBenchOptions {
  readonly events: number;
  readonly batch: number;
  readonly concurrency: number;
  readonly format: OutputFormat;
}

export interface ElasticsearchBenchRow {
  readonly compression: 'gzip' | 'none';
  readonly seconds: number;
  readonly perSecond: number;
  readonly requests: number;
  readonly wireMiB: number;
  readonly itemRetries: number;
}

async function measure(
  engine: SearchEngine,
  compression: 'gzip' | 'none',
  opts: ElasticsearchBenchOptions,
): Promise<ElasticsearchBenchRow> {
  const index = `bench-${compression}`;
  await engine.request('PUT', `/${index}`, {
    settings: { number_of_replicas: 0, refresh_interval: '30s' },
    mappings: { dynamic: false },
  });
  const config = elasticsearchSinkConfig.parse({
    type: 'elasticsearch',
    endpoints: [engine.url],
    username: engine.user!.username,
    password: engine.user!.password,
    tls: { ca_file: engine.caFile },
    index,
    format: opts.format,
    compression,
    batch: { max_events: opts.batch, concurrency: opts.concurrency, max_bytes: '10MB' },
  });
  const sink = new ElasticsearchSink('bench', config, {
    logger: silentLogger,
    hostname: 'bench-host',
    version: 'bench',
    baseDir: process.cwd(),
  });
  await sink.start(new AbortController().signal);
  await pump(sink, benchRecords(Math.min(5000, opts.events), 0)); // warm-up: JIT, connections
  const before = { requests: sink.stats.requests.ok, bytes: sink.stats.sentBytes };
  const started = process.hrtime.bigint();
  await pump(sink, benchRecords(opts.events, 1_000_000));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await engine.request('POST', `/${index}/_refresh`);
  const count = (await engine.request('GET', `/${index}/_count`)).json<{ count: number }>().count;
  const expected = opts.events + Math.min(5000, opts.events);
  if (count !== expected) throw new Error(`${index} holds ${count} documents, expected ${expected}`);
  await sink.close();
  return {
    compression,
    seconds,
    perSecond: opts.events / seconds,
    requests: sink.stats.requests.ok - before.requests,
    wireMiB: (sink.stats.sentBytes - before.bytes) / 1024 / 1024,
    itemRetries: sink.details.itemRetries,
  };
}

export async function runElasticsearchBench(
  opts: ElasticsearchBenchOptions,
): Promise<ElasticsearchBenchRow[]> {
  const engine = await startSearchEngine({ product: 'elasticsearch', heap: '512m' });
  try {
    const rows: ElasticsearchBenchRow[] = [];
    for (const compression of ['none', 'gzip'] as const) rows.push(await measure(engine, compression, opts));
    return rows;
  } finally {
    await engine.destroy();
  }
}

export function formatElasticsearchBench(
  rows: readonly ElasticsearchBenchRow[],
  opts: ElasticsearchBenchOptions,
): string {
  const header = `Elasticsearch sink → Elasticsearch 8.19 (one node, same machine, 512 MB heap), ${opts.events} activities (${opts.format}), batch ${opts.batch}, concurrency ${opts.concurrency}, Node ${process.version}`;
  return [
    header,
    '',
    '| gzip | activities/s | of API ceiling | seconds | requests | wire MiB | item retries |',
    '|------|-------------:|---------------:|--------:|---------:|---------:|-------------:|',
    ...rows.map(
      (r) =>
        `| ${r.compression === 'gzip' ? 'on ' : 'off'}  | ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)} | ${`${((r.perSecond / API_CEILING_PER_SECOND) * 100).toFixed(0)} %`.padStart(14)} | ${r.seconds.toFixed(2).padStart(7)} | ${String(r.requests).padStart(8)} | ${r.wireMiB.toFixed(1).padStart(8)} | ${String(r.itemRetries).padStart(12)} |`,
    ),
    '',
    `API ceiling: 600 requests/min × 5,000 activities = ${API_CEILING_PER_SECOND.toLocaleString('en-US')}/s.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '30000' },
      batch: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '4' },
      format: { type: 'string', default: 'ecs' },
    },
  });
  const opts: ElasticsearchBenchOptions = {
    events: Number(values.events),
    batch: Number(values.batch),
    concurrency: Number(values.concurrency),
    format: (values.format ?? 'ecs') as OutputFormat,
  };
  const rows = await runElasticsearchBench(opts);
  process.stdout.write(formatElasticsearchBench(rows, opts) + '\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`elasticsearch bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
