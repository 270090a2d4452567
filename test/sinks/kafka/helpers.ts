import type { PipelineRecord } from '../../../src/pipeline/record';
import { makeRandomActivity } from '../../../src/simulator/generate';
import type { Logger } from '../../../src/observability/logger';
import { kafkaSinkConfig } from '../../../src/sinks/kafka/config';
import { KafkaSink, type KafkaRecord } from '../../../src/sinks/kafka';
import type { KafkaClient } from '../../../src/sinks/kafka/client';
import type { SendResult } from '../../../src/sinks/sink';
import {
  startKafkaBroker,
  KAFKA_INSTALL_HINT,
  type KafkaBroker,
  type KafkaBrokerOptions,
} from '../../support/kafka-broker';
import { startOrSkip } from '../../support/servers';

/** Real-looking activities from the simulator's generator, with unique ids. */
export function makeRecords(count: number, from = 0, seedBase = 1000): PipelineRecord[] {
  const out: PipelineRecord[] = [];
  for (let i = from; i < from + count; i++) {
    const activity = {
      ...makeRandomActivity(seedBase + i),
      id: `activity_kafka_${String(i).padStart(6, '0')}`,
    };
    out.push({ seq: i, activity, raw: JSON.stringify(activity) });
  }
  return out;
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly meta: Record<string, unknown>;
}

/** A logger that keeps every line, to assert on what operators would read. */
export function captureLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const make = (bound: Record<string, unknown>): Logger & { lines: LogLine[] } => ({
    lines,
    error: (message, meta) => void lines.push({ level: 'error', message, meta: { ...bound, ...meta } }),
    warn: (message, meta) => void lines.push({ level: 'warn', message, meta: { ...bound, ...meta } }),
    info: (message, meta) => void lines.push({ level: 'info', message, meta: { ...bound, ...meta } }),
    debug: (message, meta) => void lines.push({ level: 'debug', message, meta: { ...bound, ...meta } }),
    child: (meta) => make({ ...bound, ...meta }),
  });
  return make({});
}

export function makeSink(
  config: Record<string, unknown>,
  opts: { logger?: Logger; name?: string; client?: KafkaClient } = {},
): KafkaSink {
  const cfg = kafkaSinkConfig.parse({ type: 'kafka', ...config });
  const logger = opts.logger ?? captureLogger();
  return new KafkaSink(
    opts.name ?? 'kafka',
    cfg,
    { logger, hostname: 'test-host', version: '0.0.0-test', baseDir: process.cwd() },
    opts.client,
  );
}

/** Encodes and sends `records` in batches the way the pipeline would (one batch at a time). */
export async function sendAll(
  sink: KafkaSink,
  records: readonly PipelineRecord[],
  signal = new AbortController().signal,
): Promise<SendResult<KafkaRecord>['rejected'][number][]> {
  const rejected: SendResult<KafkaRecord>['rejected'][number][] = [];
  const encoded = records.map((r) => sink.encode(r));
  for (let i = 0; i < encoded.length; i += sink.batch.maxEvents) {
    const result = await sink.send(encoded.slice(i, i + sink.batch.maxEvents), signal);
    rejected.push(...result.rejected);
  }
  return rejected;
}

/** One broker per test file, skipped loudly outside CI when Java or the jars are missing. */
export function startBrokerOrSkip(options: KafkaBrokerOptions = {}): Promise<KafkaBroker | undefined> {
  return startOrSkip('Kafka broker', KAFKA_INSTALL_HINT, () => startKafkaBroker(options));
}

/** Counts of each value, to find duplicates and losses in one comparison. */
export function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
