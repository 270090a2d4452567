/**
 * Kafka sink throughput: activities/s into a real single-node broker (KRaft, started here
 * from the jars scripts/ci/kafka.sh fetches) with acks=all, per compression codec, with the
 * idempotent producer (one batch in flight, the default) and without it (4 in flight).
 *
 *   node --import tsx bench/kafka.bench.ts [--events 50000] [--batch 500] [--partitions 3] [--format ocsf]
 *
 * The broker and the sink share this machine's CPUs, so the numbers are a floor. Every run
 * checks that the topic holds exactly the activities sent.
 */
import { parseArgs } from 'node:util';
import { KafkaSink } from '../src/sinks/kafka';
import { kafkaSinkConfig } from '../src/sinks/kafka/config';
import { silentLogger } from '../src/observability/logger';
import { startKafkaBroker, testKafka, type KafkaBroker } from '../test/support/kafka-broker';
import { benchRecords, pump } from '../test/support/sink-pump';

export interface KafkaBenchOptions {
  readonly events: number;
  readonly batch: number;
  readonly partitions: number;
  readonly format: 'ocsf' | 'ecs' | 'raw';
}

export interface KafkaBenchRow {
  readonly compression: string;
  readonly idempotent: boolean;
  readonly concurrency: number;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Encoded (uncompressed) bytes handed to the client. */
  readonly payloadMiB: number;
}

async function messagesIn(broker: KafkaBroker, topic: string): Promise<number> {
  const admin = testKafka(broker.plaintext).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function measure(
  broker: KafkaBroker,
  compression: string,
  idempotent: boolean,
  opts: KafkaBenchOptions,
): Promise<KafkaBenchRow> {
  const topic = `bench-${compression}-${idempotent ? 'idem' : 'plain'}`;
  await broker.createTopic(topic, { partitions: opts.partitions });
  const concurrency = idempotent ? 1 : 4;
  const config = kafkaSinkConfig.parse({
    type: 'kafka',
    brokers: [broker.plaintext],
    topic,
    format: opts.format,
    compression,
    idempotent,
    batch: { max_events: opts.batch, concurrency },
  });
  const sink = new KafkaSink('bench', config, {
    logger: silentLogger,
    hostname: 'bench-host',
    version: 'bench',
    baseDir: process.cwd(),
  });
  await sink.start(new AbortController().signal);
  const warmup = Math.min(5000, opts.events);
  await pump(sink, benchRecords(warmup, 0)); // JIT on both sides, connections, producer id
  const batch = benchRecords(opts.events, 1_000_000);
  const started = process.hrtime.bigint();
  const payload = await pump(sink, batch);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await sink.close();
  const held = await messagesIn(broker, topic);
  if (held !== warmup + opts.events)
    throw new Error(`${topic} holds ${held} messages, expected ${warmup + opts.events}`);
  return {
    compression,
    idempotent,
    concurrency,
    events: opts.events,
    seconds,
    perSecond: opts.events / seconds,
    payloadMiB: payload / 1024 / 1024,
  };
}

export async function runKafkaBench(opts: KafkaBenchOptions): Promise<KafkaBenchRow[]> {
  const broker = await startKafkaBroker({ heap: '768m', quickJit: false });
  try {
    const rows: KafkaBenchRow[] = [];
    for (const compression of ['none', 'gzip', 'snappy', 'lz4'])
      rows.push(await measure(broker, compression, true, opts));
    for (const compression of ['none', 'lz4']) rows.push(await measure(broker, compression, false, opts));
    return rows;
  } finally {
    await broker.destroy();
  }
}

export function formatKafkaBench(rows: readonly KafkaBenchRow[], opts: KafkaBenchOptions): string {
  const header = `Kafka sink → single-node KRaft broker (same machine), acks=all, ${opts.events} ${opts.format} activities, batch ${opts.batch}, ${opts.partitions} partitions, Node ${process.version}`;
  return [
    header,
    '',
    '| compression | idempotent | in flight | activities/s | seconds | payload MiB |',
    '|-------------|-----------:|----------:|-------------:|--------:|------------:|',
    ...rows.map(
      (r) =>
        `| ${r.compression.padEnd(11)} | ${(r.idempotent ? 'yes' : 'no').padStart(10)} | ${String(r.concurrency).padStart(9)} | ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)} | ${r.seconds.toFixed(2).padStart(7)} | ${r.payloadMiB.toFixed(1).padStart(11)} |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '50000' },
      batch: { type: 'string', default: '500' },
      partitions: { type: 'string', default: '3' },
      format: { type: 'string', default: 'ocsf' },
    },
  });
  const format = values.format === 'ecs' || values.format === 'raw' ? values.format : 'ocsf';
  const opts: KafkaBenchOptions = {
    events: Number(values.events),
    batch: Number(values.batch),
    partitions: Number(values.partitions),
    format,
  };
  const rows = await runKafkaBench(opts);
  process.stdout.write(formatKafkaBench(rows, opts) + '\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`kafka bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
