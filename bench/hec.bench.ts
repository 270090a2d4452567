/**
 * Splunk HEC sink throughput: activities/s into the strict test receiver, with indexer
 * acknowledgements on and off, gzip on and off.
 *
 *   node --import tsx bench/hec.bench.ts [--events 20000] [--batch 500] [--concurrency 8] [--ack-poll 50ms]
 *
 * The receiver runs in the same process (it shares the CPU with the sink, so absolute
 * numbers are a floor). With acks on, throughput is bounded by
 * concurrency × max_events / ack poll interval as well: the default poll (10 s, Splunk's
 * guidance) would give at most 8 × 500 / 10 s = 400 activities/s, so the bench polls faster
 * to measure the sink rather than the wait.
 */
import { parseArgs } from 'node:util';
import { SplunkHecSink } from '../src/sinks/splunk-hec';
import { splunkHecSinkConfig } from '../src/sinks/splunk-hec/config';
import { silentLogger } from '../src/observability/logger';
import type { PipelineRecord } from '../src/pipeline/record';
import type { Activity } from '../src/source/activity';
import { DEFAULT_HEC_TOKEN, startHecReceiver } from '../test/support/hec-receiver';
import { pump } from '../test/support/sink-pump';

export interface HecBenchRow {
  readonly acks: boolean;
  readonly compression: 'gzip' | 'none';
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly requests: number;
  readonly wireMiB: number;
  readonly ackPolls: number;
}

export interface HecBenchOptions {
  readonly events: number;
  readonly batch: number;
  readonly concurrency: number;
  readonly ackPoll: string;
}

function activity(i: number): Activity {
  return {
    id: `activity_${String(i).padStart(9, '0')}`,
    created_at: new Date(Date.UTC(2026, 4, 1) + i * 37).toISOString(),
    organization_id: 'org_01bench',
    organization_uuid: '2f1c7a52-bench-4e7e-9d64-000000000001',
    type: ['api_key_created', 'user_signed_in', 'workspace_member_added', 'file_uploaded'][i % 4],
    actor: {
      type: 'user_actor',
      email_address: `user${i % 500}@example.com`,
      user_id: `user_01${i % 500}`,
      ip_address: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
    },
    workspace_id: `wrkspc_01${i % 20}`,
  };
}

function records(count: number, from: number): PipelineRecord[] {
  return Array.from({ length: count }, (_, k) => {
    const a = activity(from + k);
    return { seq: from + k, activity: a, raw: JSON.stringify(a) };
  });
}

async function measure(
  acks: boolean,
  compression: 'gzip' | 'none',
  opts: HecBenchOptions,
): Promise<HecBenchRow> {
  const receiver = await startHecReceiver({ tokens: { [DEFAULT_HEC_TOKEN]: { acks: true } } });
  try {
    const config = splunkHecSinkConfig.parse({
      type: 'splunk_hec',
      endpoint: receiver.url,
      token: DEFAULT_HEC_TOKEN,
      indexer_acknowledgements: acks,
      compression,
      ack: { poll_interval: opts.ackPoll },
      batch: { max_events: opts.batch, concurrency: opts.concurrency },
    });
    const sink = new SplunkHecSink('bench', config, {
      logger: silentLogger,
      hostname: 'bench-host',
      version: 'bench',
      baseDir: process.cwd(),
    });
    await sink.start(new AbortController().signal);
    await pump(sink, records(Math.min(2000, opts.events), 0)); // warm-up: JIT, connections
    const before = {
      requests: sink.stats.requests.ok,
      bytes: sink.stats.sentBytes,
      polls: sink.ackStats?.polls ?? 0,
    };
    const batch = records(opts.events, 1_000_000);
    const started = process.hrtime.bigint();
    await pump(sink, batch);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const indexed = new Set(receiver.eventIds());
    const missing = batch.filter((r) => !indexed.has(r.activity.id)).length;
    if (missing) throw new Error(`${missing} activities missing at the receiver`);
    await sink.close();
    return {
      acks,
      compression,
      events: opts.events,
      seconds,
      perSecond: opts.events / seconds,
      requests: sink.stats.requests.ok - before.requests,
      wireMiB: (sink.stats.sentBytes - before.bytes) / 1024 / 1024,
      ackPolls: (sink.ackStats?.polls ?? 0) - before.polls,
    };
  } finally {
    await receiver.stop();
  }
}

export async function runHecBench(opts: HecBenchOptions): Promise<HecBenchRow[]> {
  const rows: HecBenchRow[] = [];
  for (const acks of [false, true]) {
    for (const compression of ['none', 'gzip'] as const) rows.push(await measure(acks, compression, opts));
  }
  return rows;
}

export function formatHecBench(rows: readonly HecBenchRow[], opts: HecBenchOptions): string {
  const header = `Splunk HEC sink → strict receiver (same process), ${opts.events} activities, batch ${opts.batch}, concurrency ${opts.concurrency}, ack poll ${opts.ackPoll}, Node ${process.version}`;
  const lines = [
    header,
    '',
    '| acks | gzip | activities/s | seconds | requests | wire MiB | ack polls |',
    '|------|------|-------------:|--------:|---------:|---------:|----------:|',
    ...rows.map(
      (r) =>
        `| ${r.acks ? 'on ' : 'off'}  | ${r.compression === 'gzip' ? 'on ' : 'off'}  | ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)} | ${r.seconds.toFixed(2).padStart(7)} | ${String(r.requests).padStart(8)} | ${r.wireMiB.toFixed(1).padStart(8)} | ${String(r.ackPolls).padStart(9)} |`,
    ),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      batch: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '8' },
      'ack-poll': { type: 'string', default: '50ms' },
    },
  });
  const opts: HecBenchOptions = {
    events: Number(values.events),
    batch: Number(values.batch),
    concurrency: Number(values.concurrency),
    ackPoll: values['ack-poll'] ?? '50ms',
  };
  const rows = await runHecBench(opts);
  process.stdout.write(formatHecBench(rows, opts) + '\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`hec bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
