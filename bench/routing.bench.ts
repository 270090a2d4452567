/**
 * Issue #20: what per-sink filters cost. Simulator (prerendered, its own process) → `run
 * --once` → three file sinks in OCSF, once without filters and once each with a filter that
 * takes every activity (type globs, an exclusion, min_severity informational: every check
 * runs, nothing is left out, so both runs write the same bytes). Forwarder CPU per activity,
 * alternating the two (ABBA) over the rounds, medians. Target: filtered ≤ 5 % more.
 *
 *   node --import tsx bench/routing.bench.ts [--activities 100000] [--rounds 3]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ForwarderRun } from './lib/forwarder';
import { SimulatorProcess } from './lib/simulator';
import { peerSimulatorOptions } from './peers.bench';
import { median } from './support';

export type RoutingCase = 'unfiltered' | 'filtered';

export interface RoutingRow {
  readonly case: RoutingCase;
  readonly activities: number;
  /** Lines each sink wrote (the same in both cases when the filters take everything). */
  readonly linesPerSink: number;
  /** Forwarder CPU microseconds per activity read (median over the rounds). */
  readonly cpuMicrosPerActivity: number;
  readonly perSecond: number;
}

const PASS_ALL_FILTER =
  '{ activity_types: ["*_*", "anthropic_access"], exclude_activity_types: ["no_such_type_*"], min_severity: informational }';

async function once(
  sim: SimulatorProcess,
  n: number,
  kind: RoutingCase,
): Promise<{ cpu: number; seconds: number; lines: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'caf-bench-routing-'));
  const sinks = ['a', 'b', 'c']
    .map(
      (name) =>
        `  ${name}: { type: file, path: ${join(dir, `${name}.jsonl`)}, format: ocsf${kind === 'filtered' ? `, filter: ${PASS_ALL_FILTER}` : ''} }`,
    )
    .join('\n');
  const run = ForwarderRun.launch({ simulatorUrl: sim.url, sinks });
  try {
    const code = await run.exit;
    if (code !== 0) throw new Error(`forwarder exited ${code}: ${run.stderr.slice(-1500)}`);
    const lines = readFileSync(join(dir, 'a.jsonl')).reduce((k, byte) => (byte === 0x0a ? k + 1 : k), 0);
    return { cpu: run.cpu.seconds, seconds: (Date.now() - run.startedAt) / 1000, lines };
  } finally {
    run.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** On a simulator holding exactly `activities` within the last 7 h (peerSimulatorOptions). */
export async function runRoutingBench(
  sim: SimulatorProcess,
  opts: { activities: number; rounds: number; log?: (line: string) => void },
): Promise<RoutingRow[]> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runs: Record<RoutingCase, Awaited<ReturnType<typeof once>>[]> = { unfiltered: [], filtered: [] };
  for (let round = 1; round <= opts.rounds; round++) {
    const order: RoutingCase[] = round % 2 ? ['unfiltered', 'filtered'] : ['filtered', 'unfiltered'];
    for (const kind of order) {
      const r = await once(sim, opts.activities, kind);
      runs[kind].push(r);
      log(
        `routing: ${kind} round ${round}: ${((r.cpu / opts.activities) * 1e6).toFixed(1)} µs CPU per activity, ${r.lines} lines per sink`,
      );
    }
  }
  return (['unfiltered', 'filtered'] as const).map((kind) => ({
    case: kind,
    activities: opts.activities,
    linesPerSink: median(runs[kind].map((r) => r.lines)),
    cpuMicrosPerActivity: (median(runs[kind].map((r) => r.cpu)) / opts.activities) * 1e6,
    perSecond: opts.activities / median(runs[kind].map((r) => r.seconds)),
  }));
}

/** Filtered CPU per activity over unfiltered, minus one (0.05 = 5 % more). */
export function routingOverhead(rows: readonly RoutingRow[]): number {
  const cost = (k: RoutingCase) => rows.find((r) => r.case === k)?.cpuMicrosPerActivity ?? Number.NaN;
  return cost('filtered') / cost('unfiltered') - 1;
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      activities: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const n = Number(values.activities);
  (async () => {
    const sim = await SimulatorProcess.start(peerSimulatorOptions(n));
    try {
      const rows = await runRoutingBench(sim, { activities: n, rounds: Number(values.rounds) });
      for (const r of rows)
        process.stdout.write(`${r.case}: ${r.cpuMicrosPerActivity.toFixed(1)} µs CPU/activity\n`);
      process.stdout.write(`overhead: ${(routingOverhead(rows) * 100).toFixed(1)} %\n`);
    } finally {
      await sim.stop();
    }
  })().catch((err: unknown) => {
    process.stderr.write(`routing bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
