/**
 * Benchmark 4: peak RSS (the kernel's high-water mark, VmHWM) of the forwarder with a
 * million-activity backlog in the API,
 *   - delivered to a fast sink (the file sink, OCSF, fsync per batch), and
 *   - against a stalled sink (a syslog receiver that stopped reading): the buffer fills,
 *     the poller must stop fetching, and memory must stay flat however long the stall.
 * Each as shipped (the `claude-audit-forwarder` command, which bounds the heap: the npm bin
 * and the image's entrypoint) and, for comparison, `node bin/claude-audit-forwarder.js` with
 * node's default heap. Defaults
 * everywhere else (backfill_concurrency 8, max_buffered_events 10 000) except page_size
 * 5000: what a backfill would use, and the worst case for memory (each page in flight is
 * five times larger); with the default 1000 the source's rate limit, not the sink, would set
 * the pace and the buffer would never fill.
 *
 *   node --import tsx bench/memory.bench.ts [--activities 1000000] [--stall-seconds 40]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BlackHole } from './lib/black-hole';
import { ForwarderRun } from './lib/forwarder';
import { SimulatorProcess } from './lib/simulator';
import { EVERY_ROW_VISIBLE } from '../src/simulator/access-transparency';

export interface MemoryRow {
  readonly sink: 'fast (file)' | 'stalled (syslog)';
  readonly heap: 'node defaults' | 'as shipped';
  readonly activities: number;
  readonly peakRssMb: number;
  /** RSS at the end of the stall, and at its first minute's mark: flat means equal. */
  readonly endRssMb: number;
  readonly seconds: number;
  /** Fast sink: delivered. Stalled: API requests made (they must stop when the buffer is full). */
  readonly detail: string;
}

export interface MemoryOptions {
  readonly activities: number;
  readonly stallSeconds: number;
  readonly log?: (line: string) => void;
}

async function fastSink(sim: SimulatorProcess, n: number, heap: MemoryRow['heap']): Promise<MemoryRow> {
  const dir = mkdtempSync(join(tmpdir(), 'caf-bench-mem-'));
  const out = join(dir, 'events.jsonl');
  const run = ForwarderRun.launch({
    simulatorUrl: sim.url,
    sinks: `  archive: { type: file, path: ${out}, format: ocsf }`,
    source: { page_size: 5000, start_at: BACKLOG_START_AT },
    asShipped: heap === 'as shipped',
  });
  try {
    const code = await run.exit;
    if (code !== 0) throw new Error(`forwarder exited ${code}: ${run.stderr.slice(-1500)}`);
    const seconds = (Date.now() - run.startedAt) / 1000;
    const samples = run.rssSamples();
    return {
      sink: 'fast (file)',
      heap,
      activities: n,
      peakRssMb: run.peakRssMb,
      endRssMb: samples.at(-1)?.rssMb ?? Number.NaN,
      seconds,
      detail: `${n.toLocaleString('en-US')} delivered in ${seconds.toFixed(0)} s`,
    };
  } finally {
    run.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function stalledSink(
  sim: SimulatorProcess,
  n: number,
  heap: MemoryRow['heap'],
  stallSeconds: number,
): Promise<MemoryRow> {
  const hole = await BlackHole.start();
  const before = await sim.stats();
  const run = ForwarderRun.launch({
    simulatorUrl: sim.url,
    sinks: `  siem: { type: syslog, address: 127.0.0.1:${hole.port}, transport: tcp, format: rfc5424, payload_format: ocsf }`,
    source: { page_size: 5000, start_at: BACKLOG_START_AT },
    asShipped: heap === 'as shipped',
  });
  try {
    const half = stallSeconds * 500;
    await new Promise((r) => setTimeout(r, half));
    const midRequests = (await sim.stats()).requests - before.requests;
    const midRss = run.rssSamples().at(-1)?.rssMb ?? Number.NaN;
    await new Promise((r) => setTimeout(r, half));
    const failure = run.failure();
    if (failure) throw new Error(failure);
    const endRequests = (await sim.stats()).requests - before.requests;
    const endRss = run.rssSamples().at(-1)?.rssMb ?? Number.NaN;
    return {
      sink: 'stalled (syslog)',
      heap,
      activities: n,
      peakRssMb: run.peakRssMb,
      endRssMb: endRss,
      seconds: stallSeconds,
      detail: `API requests ${midRequests} at ${stallSeconds / 2} s, ${endRequests} at ${stallSeconds} s; RSS ${midRss.toFixed(0)} → ${endRss.toFixed(0)} MB`,
    };
  } finally {
    // Stalled for good: nothing to drain, so no graceful shutdown to wait for.
    run.child.kill('SIGKILL');
    await run.exit;
    run.dispose();
    await hole.stop();
  }
}

/** Runs on a simulator the caller started (shared with the backfill benchmark). */
export async function runMemoryBench(sim: SimulatorProcess, opts: MemoryOptions): Promise<MemoryRow[]> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await sim.setLatency(0, 0);
  await sim.setRateLimit(1_000_000);
  const rows: MemoryRow[] = [];
  for (const heap of ['as shipped', 'node defaults'] as const) {
    const fast = await fastSink(sim, opts.activities, heap);
    log(`memory: fast sink, ${heap}: peak ${fast.peakRssMb.toFixed(0)} MB (${fast.detail})`);
    rows.push(fast);
    const stalled = await stalledSink(sim, opts.activities, heap, opts.stallSeconds);
    log(`memory: stalled sink, ${heap}: peak ${stalled.peakRssMb.toFixed(0)} MB (${stalled.detail})`);
    rows.push(stalled);
  }
  return rows;
}

/** Six months of history, as a first run would find it; start_at reaches past its start. */
export const BACKLOG_START_AT = '181d';

export function backlogSimulatorOptions(activities: number) {
  return {
    seed: 11,
    backlog: activities,
    backlogWindowMs: 180 * 86_400_000,
    rateLimit: 600,
    selfEvents: false,
    prerender: true,
    accessTransparency: EVERY_ROW_VISIBLE,
  } as const;
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      activities: { type: 'string', default: '1000000' },
      'stall-seconds': { type: 'string', default: '40' },
    },
  });
  const n = Number(values.activities);
  (async () => {
    const sim = await SimulatorProcess.start(backlogSimulatorOptions(n));
    try {
      for (const r of await runMemoryBench(sim, {
        activities: n,
        stallSeconds: Number(values['stall-seconds']),
      })) {
        process.stdout.write(
          `${r.sink.padEnd(18)} ${r.heap.padEnd(16)} peak ${r.peakRssMb.toFixed(0).padStart(4)} MB  ${r.detail}\n`,
        );
      }
    } finally {
      await sim.stop();
    }
  })().catch((err: unknown) => {
    process.stderr.write(`memory bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
