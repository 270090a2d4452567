import type { Activity } from '../../../src/source/activity';
import type { PipelineRecord } from '../../../src/pipeline/record';
import type { Logger } from '../../../src/observability/logger';
import type { Rejection, SinkContext } from '../../../src/sinks/sink';
import { SplunkHecSink, type HecEvent } from '../../../src/sinks/splunk-hec';
import { splunkHecSinkConfig, type SplunkHecSinkConfig } from '../../../src/sinks/splunk-hec/config';
import { DEFAULT_HEC_TOKEN, type HecReceiver } from '../../support/hec-receiver';
import { encodeBatches } from '../../support/sink-pump';

/** Shared pieces of the HEC sink tests (not a test file: the runner only picks *.test.ts). */

export function makeActivity(i: number, overrides: Partial<Activity> = {}): Activity {
  return {
    id: `activity_${String(i).padStart(6, '0')}`,
    created_at: new Date(Date.UTC(2026, 4, 1, 12, 0, 0) + i * 1001).toISOString(),
    organization_id: 'org_test',
    type: i % 3 === 0 ? 'api_key_created' : i % 3 === 1 ? 'user_signed_in' : 'workspace_member_added',
    actor: { type: 'user_actor', email_address: `user${i}@example.com`, user_id: `user_${i}` },
    ...overrides,
  };
}

export function makeRecord(i: number, overrides: Partial<Activity> = {}): PipelineRecord {
  const activity = makeActivity(i, overrides);
  return { seq: i, activity, raw: JSON.stringify(activity) };
}

export function makeRecords(count: number, from = 0): PipelineRecord[] {
  return Array.from({ length: count }, (_, k) => makeRecord(from + k));
}

export interface LogLine {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  readonly meta?: Record<string, unknown>;
}

/** A logger that keeps every line, so tests can assert what operators would read. */
export interface CapturingLogger extends Logger {
  readonly lines: LogLine[];
  /** Every line as text (message + fields), to search for leaked secrets. */
  text(): string;
  count(level: LogLine['level'], pattern?: RegExp): number;
}

export function captureLogger(): CapturingLogger {
  const lines: LogLine[] = [];
  const make = (bound: Record<string, unknown>): Logger => ({
    error: (message, meta) => void lines.push({ level: 'error', message, meta: { ...bound, ...meta } }),
    warn: (message, meta) => void lines.push({ level: 'warn', message, meta: { ...bound, ...meta } }),
    info: (message, meta) => void lines.push({ level: 'info', message, meta: { ...bound, ...meta } }),
    debug: (message, meta) => void lines.push({ level: 'debug', message, meta: { ...bound, ...meta } }),
    child: (meta) => make({ ...bound, ...meta }),
  });
  return Object.assign(make({}), {
    lines,
    text: () => lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.meta ?? {})}`).join('\n'),
    count: (level: LogLine['level'], pattern?: RegExp) =>
      lines.filter((l) => l.level === level && (!pattern || pattern.test(l.message))).length,
  });
}

/** A sink config pointing at `receiver`, with test-speed timings unless overridden. */
export function hecConfig(
  receiver: HecReceiver | string,
  overrides: Record<string, unknown> = {},
): SplunkHecSinkConfig {
  return splunkHecSinkConfig.parse({
    type: 'splunk_hec',
    endpoint: typeof receiver === 'string' ? receiver : receiver.url,
    token: DEFAULT_HEC_TOKEN,
    retry: { initial_backoff: '10ms', max_backoff: '100ms' },
    ack: { poll_interval: '20ms', timeout: '5s' },
    request_timeout: '5s',
    ...overrides,
  });
}

export function sinkContext(logger: Logger = captureLogger()): SinkContext {
  return { logger, hostname: 'forwarder-test-host', version: '0.0.0-test', baseDir: process.cwd() };
}

export function makeSink(
  receiver: HecReceiver | string,
  overrides: Record<string, unknown> = {},
  logger: Logger = captureLogger(),
): SplunkHecSink {
  return new SplunkHecSink('splunk', hecConfig(receiver, overrides), sinkContext(logger));
}

/** Splits encoded records into batches by the sink's event and byte limits, like the pipeline. */
export function toBatches(sink: SplunkHecSink, records: readonly PipelineRecord[]): HecEvent[][] {
  return encodeBatches(sink, records).batches;
}

/**
 * Sends `records` through the sink with up to `batch.concurrency` batches in flight (a
 * stand-in for the pipeline's batcher, not a pipeline). Resolves with every rejection.
 */
export async function deliverAll(
  sink: SplunkHecSink,
  records: readonly PipelineRecord[],
  signal: AbortSignal = new AbortController().signal,
): Promise<Rejection<HecEvent>[]> {
  const batches = toBatches(sink, records);
  const rejected: Rejection<HecEvent>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++];
      const result = await sink.send(batch, signal);
      rejected.push(...result.rejected);
    }
  };
  await Promise.all(Array.from({ length: sink.batch.concurrency }, worker));
  return rejected;
}

export function ids(records: readonly PipelineRecord[]): string[] {
  return records.map((r) => r.activity.id);
}

/** Resolves true if `promise` settles within `ms`, false otherwise (it keeps running). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}
