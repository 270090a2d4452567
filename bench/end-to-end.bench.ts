/**
 * The end-to-end side of benchmark 3: simulator (prerendered, its own process) → `run
 * --once` → the file sink (fsync per batch), the whole backlog, per output format. Set
 * against the in-process limit (limit.bench.ts) over the same activities.
 *
 *   node --import tsx bench/end-to-end.bench.ts [--activities 200000] [--rounds 3] [--formats raw,ocsf]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { OutputFormat } from '../src/config/fields';
import { ForwarderRun } from './lib/forwarder';
import { cpuSeconds } from './lib/proc';
import { SimulatorProcess } from './lib/simulator';
import { peerSimulatorOptions } from './peers.bench';
import { median } from './support';

export interface EndToEndRow {
  readonly format: OutputFormat;
  readonly activities: number;
  /** Medians over the rounds. */
  readonly perSecond: number;
  readonly perForwarderCpuSecond: number;
  /** From the first line in the file to the last, start-up and shutdown left out (medians). */
  readonly steadyPerSecond: number;
  /** Seconds the forwarder's main thread was runnable but waiting for a CPU (a busy machine). */
  readonly runQueueSeconds: number;
  readonly simulatorCpuSeconds: number;
  readonly peakRssMb: number;
}

/**
 * Watches the sink's file: when the first lines landed (and how many), and when it last
 * grew. The steady rate leaves out what a longer backlog would amortize: node's start-up,
 * the first page's round trip, the final checkpoint and exit.
 */
function watchFile(path: string): { stop: () => { firstAt: number; linesAtFirst: number; lastAt: number } } {
  let firstAt = 0;
  let linesAtFirst = 0;
  let lastAt = 0;
  let lastSize = 0;
  const timer = setInterval(() => {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return; // not created yet
    }
    if (size === lastSize) return;
    const now = Date.now();
    if (firstAt === 0) {
      firstAt = now;
      linesAtFirst = readFileSync(path).reduce((n, byte) => (byte === 0x0a ? n + 1 : n), 0);
    }
    lastAt = now;
    lastSize = size;
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return { firstAt, linesAtFirst, lastAt };
    },
  };
}

async function once(
  sim: SimulatorProcess,
  n: number,
  format: OutputFormat,
): Promise<{
  seconds: number;
  steadySeconds: number;
  steadyActivities: number;
  cpu: number;
  runq: number;
  simCpu: number;
  rss: number;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'caf-bench-e2e-'));
  const simBefore = cpuSeconds(sim.pid ?? -1) ?? 0;
  const path = join(dir, 'events.jsonl');
  const watch = watchFile(path);
  const run = ForwarderRun.launch({
    simulatorUrl: sim.url,
    sinks: `  archive: { type: file, path: ${path}, format: ${format} }`,
  });
  try {
    const code = await run.exit;
    const file = watch.stop();
    if (code !== 0) throw new Error(`forwarder exited ${code}: ${run.stderr.slice(-1500)}`);
    return {
      seconds: (Date.now() - run.startedAt) / 1000,
      steadySeconds: (file.lastAt - file.firstAt) / 1000,
      steadyActivities: n - file.linesAtFirst,
      cpu: run.cpu.seconds,
      runq: run.cpu.runQueueSeconds,
      simCpu: (cpuSeconds(sim.pid ?? -1) ?? 0) - simBefore,
      rss: run.peakRssMb,
    };
  } finally {
    watch.stop();
    run.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** On a simulator holding exactly `activities` within the last 7 h (peerSimulatorOptions). */
export async function runEndToEndBench(
  sim: SimulatorProcess,
  opts: {
    activities: number;
    rounds: number;
    formats: readonly OutputFormat[];
    log?: (line: string) => void;
  },
): Promise<EndToEndRow[]> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runs = new Map<OutputFormat, Awaited<ReturnType<typeof once>>[]>();
  for (let round = 1; round <= opts.rounds; round++) {
    for (const format of opts.formats) {
      const r = await once(sim, opts.activities, format);
      (runs.get(format) ?? runs.set(format, []).get(format))?.push(r);
      log(
        `end-to-end: ${format} round ${round}: ${Math.round(opts.activities / r.seconds).toLocaleString('en-US')}/s, steady ${Math.round(r.steadyActivities / r.steadySeconds).toLocaleString('en-US')}/s (${r.seconds.toFixed(2)} s, CPU ${r.cpu.toFixed(2)} s, waited for a CPU ${r.runq.toFixed(2)} s)`,
      );
    }
  }
  return opts.formats.map((format) => {
    const rs = runs.get(format) ?? [];
    return {
      format,
      activities: opts.activities,
      perSecond: opts.activities / median(rs.map((r) => r.seconds)),
      perForwarderCpuSecond: opts.activities / median(rs.map((r) => r.cpu)),
      steadyPerSecond: median(rs.map((r) => r.steadyActivities / r.steadySeconds)),
      runQueueSeconds: median(rs.map((r) => r.runq)),
      simulatorCpuSeconds: median(rs.map((r) => r.simCpu)),
      peakRssMb: median(rs.map((r) => r.rss)),
    };
  });
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      activities: { type: 'string', default: '200000' },
      rounds: { type: 'string', default: '3' },
      formats: { type: 'string', default: 'raw,ocsf' },
    },
  });
  const n = Number(values.activities);
  (async () => {
    const sim = await SimulatorProcess.start(peerSimulatorOptions(n));
    try {
      const rows = await runEndToEndBench(sim, {
        activities: n,
        rounds: Number(values.rounds),
        formats: (values.formats ?? 'raw,ocsf').split(',') as OutputFormat[],
      });
      for (const r of rows)
        process.stdout.write(
          `${r.format}: ${Math.round(r.perSecond)}/s (steady ${Math.round(r.steadyPerSecond)}/s), ${Math.round(r.perForwarderCpuSecond)}/CPU-s, peak RSS ${r.peakRssMb.toFixed(0)} MB\n`,
        );
    } finally {
      await sim.stop();
    }
  })().catch((err: unknown) => {
    process.stderr.write(`end-to-end bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
