/**
 * Microsoft Sentinel sink throughput: activities/s into the strict Entra ID + Logs Ingestion
 * receiver over TLS, with the default batch (500 events, ≤ 1 MB) at a few concurrencies.
 *
 *   node --import tsx bench/sentinel.bench.ts [--events 20000] [--batch 500] [--concurrency 1,4,8]
 *
 * The receiver runs in the same process and gunzips and type-checks every row against the
 * DCR stream (it shares the CPU with the sink, so absolute numbers are a floor). Real Azure
 * allows 12,000 calls/min per DCR: at 500 rows a call that is 100,000 activities/s, far
 * above what the Compliance API can serve.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SentinelSink } from '../src/sinks/sentinel';
import { sentinelSinkConfig } from '../src/sinks/sentinel/config';
import { silentLogger } from '../src/observability/logger';
import { makeCertificates } from '../test/support/certs';
import { CLIENT_ID, sentinelSinkSettings, startSentinelReceiver } from '../test/support/sentinel-receiver';
import { benchRecords, pump } from '../test/support/sink-pump';

export interface SentinelBenchRow {
  readonly concurrency: number;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly requests: number;
  readonly wireMiB: number;
  readonly rowMiB: number;
  readonly tokens: number;
}

export interface SentinelBenchOptions {
  readonly events: number;
  readonly batch: number;
  readonly concurrency: readonly number[];
}

async function measure(concurrency: number, opts: SentinelBenchOptions): Promise<SentinelBenchRow> {
  const certs = makeCertificates({ dir: mkdtempSync(join(tmpdir(), 'sentinel-bench-')) });
  const receiver = await startSentinelReceiver({ certs });
  try {
    const config = sentinelSinkConfig.parse({
      ...sentinelSinkSettings(receiver, certs.caFile),
      batch: { max_events: opts.batch, concurrency },
    });
    const sink = new SentinelSink('bench', config, {
      logger: silentLogger,
      hostname: 'bench-host',
      version: 'bench',
      baseDir: process.cwd(),
    });
    await sink.start(new AbortController().signal);
    await pump(sink, benchRecords(Math.min(2000, opts.events), 0)); // warm-up: JIT, connections
    const before = { requests: sink.stats.requests.ok, bytes: sink.stats.sentBytes };
    const batch = benchRecords(opts.events, 1_000_000);
    const started = process.hrtime.bigint();
    const rowBytes = await pump(sink, batch);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const landed = new Set(receiver.activityIds());
    const missing = batch.filter((r) => !landed.has(r.activity.id)).length;
    if (missing) throw new Error(`${missing} activities missing at the receiver`);
    await sink.close();
    return {
      concurrency,
      events: opts.events,
      seconds,
      perSecond: opts.events / seconds,
      requests: sink.stats.requests.ok - before.requests,
      wireMiB: (sink.stats.sentBytes - before.bytes) / 1024 / 1024,
      rowMiB: rowBytes / 1024 / 1024,
      tokens: receiver.tokensIssued.get(CLIENT_ID) ?? 0,
    };
  } finally {
    await receiver.stop();
  }
}

export async function runSentinelBench(opts: SentinelBenchOptions): Promise<SentinelBenchRow[]> {
  const rows: SentinelBenchRow[] = [];
  for (const c of opts.concurrency) rows.push(await measure(c, opts));
  return rows;
}

export function formatSentinelBench(rows: readonly SentinelBenchRow[], opts: SentinelBenchOptions): string {
  const header = `Sentinel sink → strict Logs Ingestion receiver over TLS (same process), ${opts.events} activities, batch ${opts.batch}, gzip, Node ${process.version}`;
  return [
    header,
    '',
    '| concurrency | activities/s | seconds | calls | row MiB | wire MiB (gzip) | tokens |',
    '|------------:|-------------:|--------:|------:|--------:|----------------:|-------:|',
    ...rows.map(
      (r) =>
        `| ${String(r.concurrency).padStart(11)} | ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)} | ${r.seconds.toFixed(2).padStart(7)} | ${String(r.requests).padStart(5)} | ${r.rowMiB.toFixed(1).padStart(7)} | ${r.wireMiB.toFixed(1).padStart(15)} | ${String(r.tokens).padStart(6)} |`,
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      batch: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '1,4,8' },
    },
  });
  const opts: SentinelBenchOptions = {
    events: Number(values.events),
    batch: Number(values.batch),
    concurrency: (values.concurrency ?? '1,4,8').split(',').map(Number),
  };
  process.stdout.write(formatSentinelBench(await runSentinelBench(opts), opts) + '\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`sentinel bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
