/**
 * S3 sink: throughput and memory while building large objects, jsonl.gz and OCSF Parquet,
 * with each batch filled the way the pipeline fills it (records until `max_bytes` of
 * encoded size), then PUT into moto (a real S3 API server, same machine).
 *
 *   node --import tsx bench/s3.bench.ts [--events 60000] [--max-bytes 16MiB]
 *
 * Per encoding: activities/s through encode + object build + PUT, the build alone, the
 * largest batch (encoded bytes, within max_bytes) and object, and the peak heap and RSS the
 * run adds above the input records (sampled every 10 ms; run with --expose-gc for a clean base). moto shares the 2 cores, so PUT figures are a floor.
 */
import { parseArgs } from 'node:util';
import { S3Sink } from '../src/sinks/s3';
import { s3SinkConfig } from '../src/sinks/s3/config';
import { jsonlGz } from '../src/sinks/s3/jsonl-gz';
import { loadParquetEncoder } from '../src/sinks/s3/parquet';
import { planObjects, type S3Record } from '../src/sinks/s3/objects';
import { buildS3Client } from '../src/sinks/s3/client';
import { S3Put } from '../src/sinks/s3/put';
import { silentLogger } from '../src/observability/logger';
import type { PipelineRecord } from '../src/pipeline/record';
import { parseSize } from '../src/util/units';
import { makeRandomActivity } from '../src/simulator/generate';
import { TEST_CREDENTIALS, startMoto } from '../test/support/moto';

export interface S3BenchRow {
  readonly encoding: 'jsonl.gz' | 'parquet';
  readonly events: number;
  readonly batches: number;
  readonly perSecond: number;
  readonly buildPerSecond: number;
  readonly largestBatchMiB: number;
  readonly largestObjectMiB: number;
  readonly totalObjectMiB: number;
  /** Above the heap (RSS) in use with the input records built, before encoding. */
  readonly peakHeapMiB: number;
  readonly peakRssMiB: number;
}

export interface S3BenchOptions {
  readonly events: number;
  readonly maxBytes: number;
}

function records(count: number): PipelineRecord[] {
  // One day, so a batch is one object (the archive partitions by day).
  return Array.from({ length: count }, (_, i) => {
    const activity = makeRandomActivity(i + 1, {
      createdAt: new Date(Date.UTC(2026, 4, 1) + i).toISOString(),
    });
    return { seq: i, activity, raw: JSON.stringify(activity) };
  });
}

/** Batches as the pipeline cuts them: records encoded until the next would pass max_bytes. */
function* batches(
  input: readonly PipelineRecord[],
  encode: (r: PipelineRecord) => S3Record,
  maxBytes: number,
) {
  let current: S3Record[] = [];
  let bytes = 0;
  for (const record of input) {
    const item = encode(record);
    if (current.length > 0 && bytes + item.size > maxBytes) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length) yield current;
}

const MiB = 1024 * 1024;

async function measure(
  encoding: 'jsonl.gz' | 'parquet',
  opts: S3BenchOptions,
  endpoint: string,
): Promise<S3BenchRow> {
  const config = s3SinkConfig.parse({
    type: 's3',
    bucket: 'bench',
    region: 'us-east-1',
    endpoint,
    force_path_style: true,
    access_key_id: TEST_CREDENTIALS.accessKeyId,
    secret_access_key: TEST_CREDENTIALS.secretAccessKey,
    encoding,
    format: 'ocsf',
    prefix: `${encoding}/`,
    batch: { max_bytes: opts.maxBytes, max_events: 100_000 },
  });
  const sink = new S3Sink('bench', config, {
    logger: silentLogger,
    hostname: 'bench',
    version: 'bench',
    baseDir: process.cwd(),
  });
  // encode() as the sink does; the object built and PUT once, here, to time the build apart.
  const put = new S3Put(buildS3Client(config, { fieldPath: 'sinks.bench', logger: silentLogger }), config);
  const parquet = encoding === 'parquet' ? await loadParquetEncoder('bench') : undefined;
  const input = records(opts.events);
  global.gc?.();
  // The input records are held throughout (as the pipeline holds a batch): count what the
  // encoding, the object build and the PUT add on top of them.
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const sampler = setInterval(sample, 10);
  let buildSeconds = 0;
  let largestBatch = 0;
  let largestObject = 0;
  let totalObject = 0;
  const started = process.hrtime.bigint();
  let count = 0;
  for (const batch of batches(input, (r) => sink.encode(r), opts.maxBytes)) {
    count++;
    const bytes = batch.reduce((n, b) => n + b.size, 0);
    if (bytes > opts.maxBytes)
      throw new Error(`a batch of ${bytes} bytes exceeds max_bytes ${opts.maxBytes}`);
    largestBatch = Math.max(largestBatch, bytes);
    const t0 = process.hrtime.bigint();
    const body = parquet ? parquet.encode(batch) : jsonlGz(batch);
    buildSeconds += Number(process.hrtime.bigint() - t0) / 1e9;
    largestObject = Math.max(largestObject, body.length);
    totalObject += body.length;
    sample();
    for (const object of planObjects(batch, config)) {
      if (object.items.length !== batch.length) throw new Error('a bench batch spans two days');
      await put.put(object.key, body, 'application/octet-stream', AbortSignal.timeout(120_000));
    }
    sample();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  return {
    encoding,
    events: opts.events,
    batches: count,
    perSecond: opts.events / seconds,
    buildPerSecond: opts.events / buildSeconds,
    largestBatchMiB: largestBatch / MiB,
    largestObjectMiB: largestObject / MiB,
    totalObjectMiB: totalObject / MiB,
    peakHeapMiB: (peakHeap - base.heapUsed) / MiB,
    peakRssMiB: (peakRss - base.rss) / MiB,
  };
}

export async function runS3Bench(opts: S3BenchOptions): Promise<S3BenchRow[]> {
  const moto = await startMoto();
  try {
    await moto.createBucket('bench');
    const rows: S3BenchRow[] = [];
    for (const encoding of ['jsonl.gz', 'parquet'] as const)
      rows.push(await measure(encoding, opts, moto.endpoint));
    return rows;
  } finally {
    await moto.destroy();
  }
}

export function formatS3Bench(rows: readonly S3BenchRow[], opts: S3BenchOptions): string {
  const f = (n: number, d = 1): string => n.toFixed(d);
  return [
    `S3 sink → moto (same machine), ${opts.events} OCSF activities, batches cut at max_bytes ${f(opts.maxBytes / MiB)} MiB, Node ${process.version}`,
    '',
    '| encoding | batches | activities/s (encode+build+PUT) | build only /s | largest batch MiB | largest object MiB | all objects MiB | heap added, peak MiB | RSS added, peak MiB |',
    '|----------|--------:|------:|------:|------:|------:|------:|------:|------:|',
    ...rows.map(
      (r) =>
        `| ${r.encoding} | ${r.batches} | ${Math.round(r.perSecond)} | ${Math.round(r.buildPerSecond)} | ${f(r.largestBatchMiB)} | ${f(r.largestObjectMiB, 2)} | ${f(r.totalObjectMiB, 2)} | ${Math.round(r.peakHeapMiB)} | ${Math.round(r.peakRssMiB)} |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '60000' },
      'max-bytes': { type: 'string', default: '16MiB' },
    },
  });
  const opts: S3BenchOptions = {
    events: Number(values.events),
    maxBytes: parseSize(values['max-bytes'] ?? '16MiB') ?? 16 * MiB,
  };
  process.stdout.write(formatS3Bench(await runS3Bench(opts), opts) + '\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`s3 bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
