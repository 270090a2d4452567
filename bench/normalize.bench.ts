/**
 * Normalization throughput on one core: activities/s through toOcsf, toEcs, serializeEvent
 * (normalize + JSON text, what a sink pays) and the CEF / LEEF encoders.
 *
 *   node --import tsx bench/normalize.bench.ts [--corpus 20000] [--seconds 2] [--json]
 *
 * The corpus is the simulator's realistic mix (half the common types, half the long tail,
 * actors weighted as in real tenants) plus 5 % hostile activities. Each case runs on the
 * main thread, after a warm-up, for about --seconds. "Per core" is events per second of
 * this process's CPU time (all its threads, GC included), so the figure holds on a busy
 * machine too; the wall-clock rate is printed beside it. The target: ≥ 100,000/s
 * per core for OCSF and ECS.
 */
import { parseArgs } from 'node:util';
import { createCefEncoder, createLeefEncoder, serializeEvent, toEcs, toOcsf } from '../src/normalize';
import type { PipelineRecord } from '../src/pipeline/record';
import { makeHostileActivity, makeRandomActivity } from '../src/simulator/generate';

export interface NormalizeBenchRow {
  readonly case: string;
  /** Events per CPU-second of this process. */
  readonly perCoreSecond: number;
  /** Events per wall-clock second (lower when other processes compete for the CPU). */
  readonly perWallSecond: number;
  readonly cpuMicrosPerEvent: number;
  readonly events: number;
}

export function corpus(size: number): PipelineRecord[] {
  return Array.from({ length: size }, (_, i) => {
    const activity = i % 20 === 19 ? makeHostileActivity(i) : makeRandomActivity(i);
    return { seq: i, activity, raw: JSON.stringify(activity) };
  });
}

/** Keeps results alive so the optimizer cannot drop the work. */
let sink = 0;

function measure(
  name: string,
  records: readonly PipelineRecord[],
  seconds: number,
  run: (r: PipelineRecord) => unknown,
): NormalizeBenchRow {
  const warm = Math.min(records.length, 5000);
  for (let i = 0; i < warm; i++) sink ^= typeof run(records[i]) === 'string' ? 1 : 2;
  let events = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < records.length; i++) {
      const out = run(records[i]);
      sink ^= typeof out === 'string' ? out.length : 1;
    }
    events += records.length;
    now = process.hrtime.bigint();
  }
  const wall = Number(now - start) / 1e9;
  const used = process.cpuUsage(cpuStart);
  const cpu = (used.user + used.system) / 1e6;
  return {
    case: name,
    perCoreSecond: Math.round(events / cpu),
    perWallSecond: Math.round(events / wall),
    cpuMicrosPerEvent: (cpu * 1e6) / events,
    events,
  };
}

export function runNormalizeBench(options: { corpus: number; seconds: number }): NormalizeBenchRow[] {
  const records = corpus(options.corpus);
  const cef = createCefEncoder();
  const leef = createLeefEncoder();
  const fixedClock = { now: () => 1_780_000_000_000 };
  return [
    measure('toOcsf', records, options.seconds, (r) => toOcsf(r.activity)),
    measure('toEcs', records, options.seconds, (r) => toEcs(r.activity)),
    measure('serializeEvent ocsf (JSON text)', records, options.seconds, (r) => serializeEvent(r, 'ocsf')),
    measure('serializeEvent ecs (JSON text)', records, options.seconds, (r) =>
      serializeEvent(r, 'ecs', fixedClock),
    ),
    measure('toCef', records, options.seconds, (r) => cef(r.activity)),
    measure('toLeef', records, options.seconds, (r) => leef(r.activity)),
  ];
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      corpus: { type: 'string', default: '20000' },
      seconds: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
    },
  });
  const rows = runNormalizeBench({ corpus: Number(values.corpus), seconds: Number(values.seconds) });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ node: process.version, rows }, null, 2)}\n`);
  } else {
    process.stdout.write(
      `normalization on one core (Node ${process.version}, corpus ${values.corpus} activities)\n\n`,
    );
    process.stdout.write(
      `${'case'.padEnd(34)}${'per core/s'.padStart(12)}${'wall/s'.padStart(12)}${'CPU µs/event'.padStart(14)}\n`,
    );
    for (const row of rows) {
      const n = (x: number) => x.toLocaleString('en-US');
      process.stdout.write(
        `${row.case.padEnd(34)}${n(row.perCoreSecond).padStart(12)}${n(row.perWallSecond).padStart(12)}${row.cpuMicrosPerEvent.toFixed(2).padStart(14)}\n`,
      );
    }
  }
  if (sink === 0.5) process.stdout.write('');
}
