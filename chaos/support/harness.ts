import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatorHandle } from '../../src/simulator';
import type { CheckpointState } from '../../src/checkpoint/state';
import { tempDir, type ForwarderProcess } from '../../test/support/forwarder';
import type { ChaosServers } from './servers';
import type { SinkSet } from './sinks';
import { check, type Row, type SinkKind } from './report';

/** What every scenario gets from the runner (or from its test file). */
export interface ChaosContext {
  /** The full configuration (`npm run chaos`) or the reduced one (`npm test`). */
  readonly full: boolean;
  readonly servers: ChaosServers;
  /** Seeded: a failing run can be replayed with the same CHAOS_SEED. */
  readonly random: () => number;
  log(message: string): void;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly needs: { readonly syslog?: boolean; readonly kafka?: boolean };
  run(ctx: ChaosContext): Promise<Row[]>;
}

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

export function scenarioDir(tag: string): string {
  return tempDir(`caf-chaos-${tag}-`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

import { freePort } from '../../test/support/ports';

export { freePort };

function isSinkSet(value: SinkSet | Record<string, Record<string, unknown>>): value is SinkSet {
  return Array.isArray((value as SinkSet).sinks);
}

/** A forwarder config for the simulator and a sink set (or a plain `sinks:` section). */
export async function forwarderConfig(opts: {
  sim: SimulatorHandle;
  dir: string;
  sinks: SinkSet | Record<string, Record<string, unknown>>;
  source?: Record<string, unknown>;
  pipeline?: Record<string, unknown>;
  log?: Record<string, unknown>;
  metricsPort?: number;
}): Promise<Record<string, unknown>> {
  const sinks = isSinkSet(opts.sinks) ? opts.sinks.config : opts.sinks;
  return {
    source: {
      base_url: opts.sim.url,
      api_key: opts.sim.apiKey,
      page_size: 200,
      start_at: '3h',
      lookback: '5m',
      poll_interval: '500ms',
      max_requests_per_minute: 600,
      ...opts.source,
    },
    checkpoint: { path: join(opts.dir, 'data', 'checkpoint.json') },
    dead_letter: { path: join(opts.dir, 'data', 'dead-letter.jsonl') },
    pipeline: { max_buffered_events: 500, shutdown_timeout: '20s', ...opts.pipeline },
    sinks,
    metrics: { listen: `127.0.0.1:${opts.metricsPort ?? (await freePort())}` },
    log: { level: 'info', format: 'json', ...opts.log },
  };
}

/**
 * Stops new activity and lets the last rows become visible (ingestion delay ≤ 1 s, our own
 * compliance_api_accessed rows ~1 s after each request); what exists before the returned
 * instant is what every sink must end up with.
 */
export async function quiesce(sim: SimulatorHandle): Promise<number> {
  sim.setRate(0);
  await sleep(2200);
  return Date.now();
}

/** Ids the API serves that were created before `cutoff` (our own self events included). */
export function offeredIds(sim: SimulatorHandle, cutoff: number): string[] {
  return sim
    .allActivities({ includeSelf: true })
    .filter((a) => Date.parse(a.created_at) < cutoff)
    .map((a) => a.id);
}

/**
 * Waits until every sink holds every expected id (or the forwarder exits, or time runs
 * out); returns what is still missing per sink.
 */
export async function waitForDelivery(
  set: SinkSet,
  expected: readonly string[],
  opts: { timeoutMs: number; forwarder?: ForwarderProcess; pollMs?: number },
): Promise<Partial<Record<SinkKind, number>>> {
  const want = new Set(expected);
  const deadline = Date.now() + opts.timeoutMs;
  const missing: Partial<Record<SinkKind, number>> = {};
  for (;;) {
    let done = true;
    for (const sink of set.sinks) {
      if (missing[sink.kind] === 0) continue;
      if ((await sink.count().catch(() => 0)) < want.size) {
        done = false;
        missing[sink.kind] = want.size;
        continue;
      }
      const have = new Set(await sink.ids().catch(() => [] as string[]));
      let m = 0;
      for (const id of want) if (!have.has(id)) m++;
      missing[sink.kind] = m;
      if (m > 0) done = false;
    }
    if (done) return missing;
    if (Date.now() > deadline || (opts.forwarder && !opts.forwarder.running)) return missing;
    await sleep(opts.pollMs ?? 1000);
  }
}

/**
 * Fills the row with what each sink holds of `expected`: unique delivered, lost, duplicate
 * copies. A sink that could not be read (a torn file line, say) is a failure.
 */
export async function tally(
  row: Row,
  set: SinkSet,
  expected: readonly string[],
): Promise<Map<SinkKind, { lost: string[]; duplicates: number }>> {
  const want = new Set(expected);
  row.offered = want.size;
  const per = new Map<SinkKind, { lost: string[]; duplicates: number }>();
  for (const [kind, why] of Object.entries(set.unavailable)) row.delivered[kind as SinkKind] = why;
  for (const sink of set.sinks) {
    let ids: string[];
    try {
      ids = await sink.ids();
    } catch (err) {
      check(
        row,
        false,
        `${sink.kind}: cannot read what it delivered: ${err instanceof Error ? err.message : String(err)}`,
      );
      row.delivered[sink.kind] = 'unreadable';
      continue;
    }
    const counts = new Map<string, number>();
    for (const id of ids) if (want.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    const lost = [...want].filter((id) => !counts.has(id));
    let duplicates = 0;
    for (const n of counts.values()) duplicates += n - 1;
    row.delivered[sink.kind] = counts.size;
    row.lost += lost.length;
    row.duplicates += duplicates;
    per.set(sink.kind, { lost, duplicates });
    check(
      row,
      lost.length === 0,
      `${sink.kind}: ${lost.length} of ${want.size} activities never arrived (first: ${lost.slice(0, 3).join(', ')})`,
    );
  }
  const dupNotes = [...per].filter(([, v]) => v.duplicates > 0).map(([k, v]) => `${k} ${v.duplicates}`);
  if (dupNotes.length > 0) row.notes.push(`duplicates per sink: ${dupNotes.join(', ')}`);
  return per;
}

/** The checkpoint file as the forwarder wrote it (undefined before the first save). */
export interface CheckpointFile {
  readonly watermark: string | null;
  readonly seen: ReadonlyArray<readonly [string, number]>;
  /** Detached sinks' own positions (pipeline.on_sink_failure: isolate). */
  readonly sinks?: Readonly<
    Record<
      string,
      {
        readonly state: string;
        readonly watermark: string | null;
        readonly seen: ReadonlyArray<readonly [string, number]>;
      }
    >
  >;
  readonly totals: { readonly delivered: number; readonly dead_lettered: number; readonly cycles: number };
}

export function readCheckpoint(path: string): CheckpointFile | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
}

/** The whole checkpoint state, or undefined while it is missing or being replaced. */
export function readCheckpointState(path: string): CheckpointState | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CheckpointState;
  } catch {
    return undefined;
  }
}

/** Waits until the checkpoint file satisfies `ok`; throws after `timeoutMs`. */
export async function waitForCheckpoint(
  path: string,
  ok: (s: CheckpointState) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = readCheckpointState(path);
    if (s && ok(s)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the checkpoint at ${path}`);
    await sleep(100);
  }
}

/** Log lines of a JSON-format forwarder run, parsed (other lines are skipped). */
export function logLines(
  stderr: string,
): Array<{ level: string; message: string } & Record<string, unknown>> {
  const out: Array<{ level: string; message: string } & Record<string, unknown>> = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const doc = JSON.parse(line) as { level?: unknown; message?: unknown };
      if (typeof doc.level === 'string' && typeof doc.message === 'string')
        out.push(doc as { level: string; message: string } & Record<string, unknown>);
    } catch {
      /* not a log line */
    }
  }
  return out;
}

/** The last lines of a process's stderr, for failure messages. */
export function tail(text: string, lines = 12): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * What a checkpoint position claims must already be in every given sink: each activity
 * older than the watermark minus the lookback (the next run never reads that far back again,
 * so if one of those were missing it would be lost for good), and each id it lists as
 * committed. rsyslog writes asynchronously, so a short wait is allowed. The position is the
 * main one, or a detached sink's own (`sinks.<name>` in the checkpoint).
 */
export async function committedIsDelivered(
  row: Row,
  position: Pick<CheckpointFile, 'watermark' | 'seen'> | undefined,
  sim: SimulatorHandle,
  lookbackMs: number,
  sinks: readonly { kind: string; ids(): Promise<string[]> }[],
  when: string,
): Promise<number> {
  if (!position?.watermark) return 0;
  const floor = Date.parse(position.watermark) - lookbackMs;
  const committed = new Set(position.seen.map(([id]) => id));
  for (const a of sim.allActivities({ includeSelf: true }))
    if (Date.parse(a.created_at) < floor) committed.add(a.id);
  for (const sink of sinks) {
    let absent: string[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const have = new Set(await sink.ids());
      absent = [...committed].filter((id) => !have.has(id));
      if (absent.length === 0) break;
      await sleep(500);
    }
    check(
      row,
      absent.length === 0,
      `${when}: the checkpoint is past ${absent.length} activities ${sink.kind} does not hold (e.g. ${absent.slice(0, 2).join(', ')})`,
    );
  }
  return committed.size;
}
