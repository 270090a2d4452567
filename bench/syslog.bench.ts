/**
 * Syslog sink throughput: activities/s into a real rsyslogd (started here, parsing nothing
 * beyond the header so it costs little CPU) over TCP (octet counting and LF) and TLS, with
 * the acknowledgement rule as configured by default (1 s settle window, 8 batches in flight)
 * and with acknowledgement on the write callback alone (`ack_delay: 0s`: the ceiling of the
 * encoder and the socket).
 *
 *   node --import tsx bench/syslog.bench.ts [--events 100000] [--batch 500] [--format rfc5424]
 *
 * rsyslog and the sink share this machine's CPUs, so the numbers are a floor. Every run
 * checks that rsyslog wrote exactly the messages sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SyslogSink } from '../src/sinks/syslog';
import { syslogSinkConfig, type SyslogFormat } from '../src/sinks/syslog/config';
import { silentLogger } from '../src/observability/logger';
import { makeCertificates } from '../test/support/certs';
import { startRsyslog, type RsyslogServer } from '../test/support/rsyslog';
import { waitUntil } from '../test/support/syslog-receiver';
import { LineCounter } from './lib/line-counter';
import { benchRecords, encodeBatches, pump, sendBatches } from '../test/support/sink-pump';

export interface SyslogBenchOptions {
  readonly events: number;
  readonly batch: number;
  readonly format: SyslogFormat;
}

export interface SyslogBenchRow {
  readonly transport: string;
  readonly ackDelay: string;
  readonly concurrency: number;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly mibPerSecond: number;
  /** From the first send to rsyslog having written the last message. */
  readonly deliveredSeconds: number;
  /** Encoding alone (normalize + syslog framing), before sending: not in `perSecond`. */
  readonly encodePerSecond: number;
}

interface Variant {
  readonly transport: 'tcp' | 'tls';
  readonly framing?: 'octet_counting' | 'lf';
  readonly ackDelay: string;
  readonly concurrency: number;
}

const VARIANTS: readonly Variant[] = [
  { transport: 'tcp', framing: 'octet_counting', ackDelay: '1s', concurrency: 8 },
  { transport: 'tcp', framing: 'octet_counting', ackDelay: '1s', concurrency: 32 },
  { transport: 'tcp', framing: 'octet_counting', ackDelay: '0s', concurrency: 8 },
  { transport: 'tcp', framing: 'lf', ackDelay: '0s', concurrency: 8 },
  { transport: 'tls', ackDelay: '1s', concurrency: 8 },
  { transport: 'tls', ackDelay: '1s', concurrency: 32 },
  { transport: 'tls', ackDelay: '0s', concurrency: 8 },
];

async function measure(
  server: RsyslogServer,
  caFile: string,
  v: Variant,
  opts: SyslogBenchOptions,
): Promise<SyslogBenchRow> {
  const listener = v.transport;
  const counter = new LineCounter(server.outputFile(listener));
  const already = counter.lines();
  const config = syslogSinkConfig.parse({
    type: 'syslog',
    address: `127.0.0.1:${server.ports[listener]}`,
    transport: v.transport,
    ...(v.framing ? { framing: v.framing } : {}),
    ...(v.transport === 'tls' ? { tls: { ca_file: caFile } } : {}),
    format: opts.format,
    ack_delay: v.ackDelay,
    batch: { max_events: opts.batch, concurrency: v.concurrency },
  });
  const sink = new SyslogSink('bench', config, {
    logger: silentLogger,
    hostname: 'bench-host',
    version: 'bench',
    baseDir: process.cwd(),
  });
  await sink.start(new AbortController().signal);
  const warmup = Math.min(5000, opts.events);
  await pump(sink, benchRecords(warmup, 0));
  const recs = benchRecords(opts.events, 1_000_000);
  const encodeStarted = process.hrtime.bigint();
  const { batches, bytes: payload } = encodeBatches(sink, recs);
  const encodeSeconds = Number(process.hrtime.bigint() - encodeStarted) / 1e9;
  const started = process.hrtime.bigint();
  await sendBatches(sink, batches);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await sink.close();
  const expected = already + warmup + opts.events;
  await waitUntil(`rsyslog to write ${expected} lines`, () => counter.lines() >= expected, 120_000, 20);
  const deliveredSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  await new Promise((r) => setTimeout(r, 200));
  if (counter.lines() !== expected)
    throw new Error(`rsyslog wrote ${counter.lines() - already} messages, expected ${warmup + opts.events}`);
  const transport = v.transport === 'tls' ? 'TLS' : `TCP ${v.framing === 'lf' ? 'LF' : 'octet counting'}`;
  return {
    transport,
    ackDelay: v.ackDelay,
    concurrency: v.concurrency,
    events: opts.events,
    seconds,
    perSecond: opts.events / seconds,
    mibPerSecond: payload / 1024 / 1024 / seconds,
    deliveredSeconds,
    encodePerSecond: opts.events / encodeSeconds,
  };
}

export async function runSyslogBench(opts: SyslogBenchOptions): Promise<SyslogBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'caf-syslog-bench-'));
  const certs = makeCertificates({ dir });
  const server = await startRsyslog({
    minimal: true,
    tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile },
    listeners: [
      { name: 'tcp', transport: 'tcp' },
      { name: 'tls', transport: 'tls' },
    ],
  });
  try {
    const rows: SyslogBenchRow[] = [];
    for (const v of VARIANTS) rows.push(await measure(server, certs.caFile, v, opts));
    return rows;
  } finally {
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSyslogBench(rows: readonly SyslogBenchRow[], opts: SyslogBenchOptions): string {
  const header = `Syslog sink → rsyslogd 8 (same machine), ${opts.format}, ${opts.events} activities (OCSF body), batch ${opts.batch}, Node ${process.version}`;
  return [
    header,
    '',
    "Sending only (encoding is measured apart: it is the pipeline's CPU, whatever the transport).",
    '',
    '| transport | ack_delay | in flight | activities/s sent | MiB/s | acked in s | in rsyslog after s | encode activities/s |',
    '|-----------|----------:|----------:|------------------:|------:|-----------:|-------------------:|--------------------:|',
    ...rows.map(
      (r) =>
        `| ${r.transport} | ${r.ackDelay} | ${r.concurrency} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.mibPerSecond.toFixed(1)} | ${r.seconds.toFixed(2)} | ${r.deliveredSeconds.toFixed(2)} | ${Math.round(r.encodePerSecond).toLocaleString('en-US')} |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '500' },
      format: { type: 'string', default: 'rfc5424' },
    },
  });
  const format =
    (['rfc5424', 'rfc3164', 'cef', 'leef'] as const).find((f) => f === values.format) ?? 'rfc5424';
  const opts: SyslogBenchOptions = { events: Number(values.events), batch: Number(values.batch), format };
  const rows = await runSyslogBench(opts);
  process.stdout.write(formatSyslogBench(rows, opts) + '\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`syslog bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
