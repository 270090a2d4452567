/**
 * Benchmark 5: how long a first run takes to catch up a large backlog when the API behaves
 * like the real one — the tenant's 600 requests/min limit and 1–5 s per response — against
 * the bound our own rate budget sets: activities / (page_size × max_requests_per_minute / 60)
 * seconds. Nothing faster is allowed, whatever the concurrency; latency is what concurrency
 * hides. Same run, same simulator: `backfill_concurrency` 1 (one cursor walk), the default,
 * and more. The one cursor walk, there only to show the speed-up, is stopped at
 * `walkCapSeconds` and its total projected from the rate it had reached (marked as such);
 * every other run delivers everything (or is stopped, and projected, at `capSeconds`).
 *
 *   node --import tsx bench/backfill.bench.ts [--activities 1000000] [--concurrency 1,4,8] [--cap-seconds 90]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ForwarderRun } from './lib/forwarder';
import { LineCounter } from './lib/line-counter';
import { SimulatorProcess } from './lib/simulator';
import { BACKLOG_START_AT, backlogSimulatorOptions } from './memory.bench';

export const BACKFILL_PAGE_SIZE = 5000;
/** The default share of the tenant's 600/min (source.max_requests_per_minute). */
export const BACKFILL_REQUESTS_PER_MINUTE = 120;

export interface BackfillRow {
  readonly concurrency: number;
  readonly activities: number;
  /** Wall seconds to deliver everything (projected when `projected`). */
  readonly seconds: number;
  readonly projected: boolean;
  readonly boundSeconds: number;
  readonly requests: number;
  readonly rateLimited: number;
  readonly peakRssMb: number;
}

export interface BackfillOptions {
  readonly activities: number;
  readonly concurrencies: readonly number[];
  readonly capSeconds: number;
  /** For backfill_concurrency 1, which would take ~8× the bound. */
  readonly walkCapSeconds?: number;
  readonly log?: (line: string) => void;
}

export function backfillBoundSeconds(activities: number): number {
  return activities / ((BACKFILL_PAGE_SIZE * BACKFILL_REQUESTS_PER_MINUTE) / 60);
}

async function backfill(
  sim: SimulatorProcess,
  n: number,
  concurrency: number,
  capSeconds: number,
): Promise<BackfillRow> {
  const dir = mkdtempSync(join(tmpdir(), 'caf-bench-backfill-'));
  const out = join(dir, 'events.jsonl');
  const before = await sim.stats();
  const run = ForwarderRun.launch({
    simulatorUrl: sim.url,
    sinks: `  archive: { type: file, path: ${out}, format: raw }`,
    source: {
      page_size: BACKFILL_PAGE_SIZE,
      max_requests_per_minute: BACKFILL_REQUESTS_PER_MINUTE,
      backfill_concurrency: concurrency,
      start_at: BACKLOG_START_AT,
      request_timeout: '30s',
    },
    asShipped: true,
  });
  const lines = new LineCounter(out);
  try {
    let projected = false;
    try {
      await lines.waitFor(n, capSeconds * 1000, () => run.failure());
    } catch (err) {
      if (run.failure()) throw err;
      projected = true;
    }
    const elapsed = (Date.now() - run.startedAt) / 1000;
    const delivered = lines.lines();
    const after = await sim.stats();
    const requests = after.requests - before.requests;
    const rateLimited = (after.byStatus['429'] ?? 0) - (before.byStatus['429'] ?? 0);
    if (!projected) {
      const code = await run.exit;
      if (code !== 0) throw new Error(`forwarder exited ${code}: ${run.stderr.slice(-1500)}`);
    }
    return {
      concurrency,
      activities: n,
      seconds: projected ? (elapsed * n) / Math.max(1, delivered) : elapsed,
      projected,
      boundSeconds: backfillBoundSeconds(n),
      requests,
      rateLimited,
      peakRssMb: run.peakRssMb,
    };
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.exit;
    run.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs on a simulator the caller started (shared with the memory benchmark). */
export async function runBackfillBench(sim: SimulatorProcess, opts: BackfillOptions): Promise<BackfillRow[]> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await sim.setLatency(1000, 5000);
  await sim.setRateLimit(600);
  const rows: BackfillRow[] = [];
  for (const c of opts.concurrencies) {
    // The simulator's sliding window must not still count the previous run's requests.
    await new Promise((r) => setTimeout(r, rows.length > 0 ? 5000 : 0));
    const row = await backfill(
      sim,
      opts.activities,
      c,
      c === 1 ? Math.min(opts.capSeconds, opts.walkCapSeconds ?? 90) : opts.capSeconds,
    );
    log(
      `backfill: concurrency ${c}: ${row.seconds.toFixed(0)} s${row.projected ? ' (projected)' : ''} = ${(row.seconds / row.boundSeconds).toFixed(2)} × the bound ` +
        `(${row.boundSeconds.toFixed(0)} s); ${row.requests} requests, ${row.rateLimited} answered 429; peak RSS ${row.peakRssMb.toFixed(0)} MB`,
    );
    rows.push(row);
  }
  await sim.setLatency(0, 0);
  return rows;
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      activities: { type: 'string', default: '1000000' },
      concurrency: { type: 'string', default: '1,4,8' },
      'cap-seconds': { type: 'string', default: '300' },
    },
  });
  const n = Number(values.activities);
  (async () => {
    const sim = await SimulatorProcess.start(backlogSimulatorOptions(n));
    try {
      await runBackfillBench(sim, {
        activities: n,
        concurrencies: (values.concurrency ?? '1,4,8').split(',').map(Number),
        capSeconds: Number(values['cap-seconds']),
      });
    } finally {
      await sim.stop();
    }
  })().catch((err: unknown) => {
    process.stderr.write(`backfill bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
