/**
 * Benchmark 6: what the Access Transparency late lane costs a tenant's shared rate budget.
 * A tenant with `perDay` activities a day (50 000 by default) keeps `7 × perDay` of them in
 * the lane's 168 h window. When the API refuses a filter on the two types, every sweep
 * reads that window whole at 5000 rows a page; when it accepts the filter, a page or two
 * does. Measured: requests per sweep (counted by the simulator and by the lane), the sweep's
 * duration, and requests per day at the default sweep_interval (15 min) as a share of the
 * default max_requests_per_minute (120). Target: ≤ 5 % unfiltered.
 *
 *   node --import tsx bench/late-lane.bench.ts [--per-day 50000]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { startSimulator } from '../src/simulator';
import { parseConfig } from '../src/config/load';
import { Forwarder } from '../src/forwarder';
import { Checkpointer } from '../src/checkpoint/checkpointer';
import { silentLogger } from '../src/observability/logger';

const DAY = 86_400_000;
const SWEEP_INTERVAL_S = 15 * 60;
const SHARE_PER_MINUTE = 120;

export interface LateLaneRow {
  readonly filter: 'server' | 'client';
  readonly activitiesInWindow: number;
  readonly requestsPerSweep: number;
  readonly sweepSeconds: number;
  readonly requestsPerDay: number;
  /** Of max_requests_per_minute 120 over a day. */
  readonly shareOfBudget: number;
  readonly found: number;
}

async function sweepOnce(perDay: number, acceptFilter: boolean): Promise<LateLaneRow> {
  const activities = 7 * perDay;
  const sim = await startSimulator({
    seed: 17,
    backlog: activities,
    backlogWindowMs: 7 * DAY,
    prerender: true,
    rateLimit: false,
    selfEvents: false,
    acceptUnlistedTypes: acceptFilter,
  });
  const dir = mkdtempSync(join(tmpdir(), 'caf-bench-lane-'));
  try {
    const now = Date.now();
    // A forwarder that is caught up (its watermark is now) and has never swept: its next
    // --once run reads the last few minutes, then one full sweep of the 168 h window.
    const checkpointPath = join(dir, 'checkpoint.json');
    const fresh = Checkpointer.fresh(sim.url, new Date(now - 8 * DAY).toISOString());
    writeFileSync(checkpointPath, JSON.stringify({ ...fresh, watermark: new Date(now).toISOString() }));
    const config = parseConfig(
      YAML.stringify({
        source: { base_url: sim.url, api_key: sim.apiKey, max_requests_per_minute: 600 },
        checkpoint: { path: checkpointPath },
        dead_letter: { path: join(dir, 'dead-letter.jsonl') },
        sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
      }),
    );
    const requestsBefore = sim.stats().requests;
    const forwarder = await Forwarder.create(config, {
      once: true,
      logger: silentLogger,
      signal: new AbortController().signal,
      baseDir: dir,
    });
    const outcome = await forwarder.run();
    if (!outcome.ok) throw new Error(`the run failed: ${outcome.reason}`);
    const sweep = forwarder.checkpointer.lateLane.last_sweep;
    if (!sweep) throw new Error('no sweep was recorded');
    const seen = sim.requests().slice(-(sim.stats().requests - requestsBefore));
    const laneRequests = seen.filter(
      (r) => r.path.includes('limit=5000') || r.path.includes('anthropic_access'),
    ).length;
    if (laneRequests !== sweep.requests + (sweep.filter === 'client' && !acceptFilter ? 1 : 0)) {
      throw new Error(`the simulator counted ${laneRequests} lane requests, the lane ${sweep.requests}`);
    }
    const requestsPerDay = sweep.requests * (86_400 / SWEEP_INTERVAL_S);
    return {
      filter: sweep.filter,
      activitiesInWindow: activities,
      requestsPerSweep: sweep.requests,
      sweepSeconds: (Date.parse(sweep.finished_at) - Date.parse(sweep.started_at)) / 1000,
      requestsPerDay,
      shareOfBudget: requestsPerDay / (SHARE_PER_MINUTE * 1440),
      found: sweep.found,
    };
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runLateLaneBench(opts: {
  perDay: number;
  log?: (line: string) => void;
}): Promise<LateLaneRow[]> {
  const rows: LateLaneRow[] = [];
  for (const accept of [false, true]) {
    const row = await sweepOnce(opts.perDay, accept);
    opts.log?.(
      `late lane (${row.filter}): ${row.requestsPerSweep} requests per sweep, ${(row.shareOfBudget * 100).toFixed(2)} % of the 120/min share`,
    );
    rows.push(row);
  }
  return rows;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { 'per-day': { type: 'string', default: '50000' } } });
  runLateLaneBench({ perDay: Number(values['per-day']), log: (l) => process.stderr.write(`${l}\n`) })
    .then((rows) => process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`late-lane bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
}
