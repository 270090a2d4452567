/**
 * Benchmark 7: what a detached sink's catch-up costs a tenant's shared rate budget (issue
 * #17: "API requests spent on a 10-minute catch-up at 50 000 activities a day"). The real
 * CLI, with the default source settings (poll_interval 30s, lookback 10m, page_size 1000,
 * max_requests_per_minute 120), runs against the simulator with two file sinks: the feed
 * holds `perDay` activities a day (a backlog at that density, and new ones at that rate),
 * the main position is now and the checkpoint says one sink is detached 10 minutes behind.
 * Measured: the requests the simulator answered until that sink is attached again, less the
 * main lane's (its cycles' pages in the checkpoint), as a share of one minute's 120.
 * The late lane is off (sweep_interval 0): its cost is benchmark 6.
 *
 *   node --import tsx bench/catch-up.bench.ts [--per-day 50000]   (BENCH_FROM_SOURCE=1: no build)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { startSimulator } from '../src/simulator';
import { Checkpointer } from '../src/checkpoint/checkpointer';
import type { CheckpointState, SinkLaneState } from '../src/checkpoint/state';
import { cli } from './support';

const MINUTE = 60_000;
const BEHIND_MS = 10 * MINUTE;
const SHARE_PER_MINUTE = 120;
/** Far more than the catch-up needs (two main cycles): a run past it has failed. */
const GIVE_UP_MS = 90_000;
const DETACHED = 'siem_copy';

export interface CatchUpRow {
  readonly perDay: number;
  readonly behindMinutes: number;
  /** Activities the catch-up lane delivered to the detached sink. */
  readonly delivered: number;
  readonly catchUpRequests: number;
  readonly mainRequests: number;
  readonly seconds: number;
  /** Of one minute's max_requests_per_minute (120). */
  readonly shareOfMinute: number;
}

function readCheckpoint(path: string): CheckpointState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CheckpointState;
  } catch {
    return undefined; // mid-rename: read it again
  }
}

/** Ids of the activities in a raw file sink's output, created after `after` when given. */
function idsIn(path: string, after?: string): Set<string> {
  const afterMs = after === undefined ? Number.NEGATIVE_INFINITY : Date.parse(after);
  const ids = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const a = JSON.parse(line) as { id: string; created_at: string };
    if (Date.parse(a.created_at) > afterMs) ids.add(a.id);
  }
  return ids;
}

export async function runCatchUpBench(opts: {
  perDay: number;
  log?: (line: string) => void;
}): Promise<CatchUpRow> {
  const perSecond = opts.perDay / 86_400;
  const backlogWindowMs = BEHIND_MS + 20 * MINUTE;
  const sim = await startSimulator({
    seed: 17,
    backlog: Math.round((perSecond * backlogWindowMs) / 1000),
    backlogWindowMs,
    rate: perSecond,
    rateLimit: false,
    selfEvents: false,
  });
  const dir = mkdtempSync(join(tmpdir(), 'caf-bench-catch-up-'));
  try {
    const now = Date.now();
    const checkpointPath = join(dir, 'checkpoint.json');
    const lane: SinkLaneState = {
      state: 'detached',
      since: new Date(now).toISOString(),
      reason: 'benchmark: down for the last 10 minutes',
      watermark: new Date(now - BEHIND_MS).toISOString(),
      seen: [],
      delivered: 0,
      cycles: 0,
      last_cycle: null,
    };
    const fresh = Checkpointer.fresh(sim.url, new Date(now - backlogWindowMs).toISOString());
    writeFileSync(
      checkpointPath,
      JSON.stringify({ ...fresh, watermark: new Date(now).toISOString(), sinks: { [DETACHED]: lane } }),
    );
    const configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      YAML.stringify({
        source: { base_url: sim.url, api_key: sim.apiKey, access_transparency: { sweep_interval: 0 } },
        checkpoint: { path: checkpointPath },
        dead_letter: { path: join(dir, 'dead-letter.jsonl') },
        metrics: { enabled: false },
        sinks: {
          siem: { type: 'file', path: join(dir, 'siem.jsonl'), format: 'raw' },
          [DETACHED]: { type: 'file', path: join(dir, 'copy.jsonl'), format: 'raw' },
        },
      }),
    );
    const requestsBefore = sim.stats().requests;
    const started = Date.now();
    const forwarder = cli(['run', '--config', configPath]);
    let delivered = 0;
    let attached: CheckpointState | undefined;
    try {
      while (!attached) {
        if (!forwarder.running) throw new Error(`the forwarder exited:\n${forwarder.stderr().slice(-2000)}`);
        if (Date.now() - started > GIVE_UP_MS)
          throw new Error(`not attached again within ${GIVE_UP_MS / 1000}s`);
        await new Promise((r) => setTimeout(r, 100));
        const state = readCheckpoint(checkpointPath);
        const mine = state?.sinks?.[DETACHED];
        if (mine) delivered = Math.max(delivered, mine.delivered);
        else if (state && state.history.length > 0) attached = state;
      }
    } finally {
      await forwarder.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    const total = sim.stats().requests - requestsBefore;
    // Every main cycle asks at least once, even for an empty page.
    const mainRequests = attached.history.reduce((n, c) => n + Math.max(1, c.pages), 0);
    const catchUpRequests = total - mainRequests;
    const copied = idsIn(join(dir, 'copy.jsonl'));
    const missing = [...idsIn(join(dir, 'siem.jsonl'), lane.watermark ?? undefined)].filter(
      (id) => !copied.has(id),
    );
    if (missing.length > 0)
      throw new Error(`the detached sink lacks ${missing.length} activities the other one has`);
    opts.log?.(
      `catch-up: ${catchUpRequests} requests (${mainRequests} for the main lane) in ${seconds.toFixed(1)} s; ${copied.size} activities in the detached sink`,
    );
    return {
      perDay: opts.perDay,
      behindMinutes: BEHIND_MS / MINUTE,
      delivered,
      catchUpRequests,
      mainRequests,
      seconds,
      shareOfMinute: catchUpRequests / SHARE_PER_MINUTE,
    };
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { 'per-day': { type: 'string', default: '50000' } } });
  runCatchUpBench({ perDay: Number(values['per-day']), log: (l) => process.stderr.write(`${l}\n`) })
    .then((row) => process.stdout.write(`${JSON.stringify(row, null, 2)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`catch-up bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
}
