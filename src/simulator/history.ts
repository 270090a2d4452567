import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Activity } from '../source/activity';
import { ConfigError } from '../util/errors';
import { mixSeed } from './prng';

/**
 * The demo simulator's tenant and every row it ever served, kept in the demo's data
 * directory so the next `run --simulator` is the same organization: the ids a checkpoint
 * holds must still be known, or the forwarder rightly refuses the checkpoint as foreign.
 * Rows are journaled as they are created (before anyone can be served them), so a
 * checkpoint never names a row the journal lacks, even after a kill -9.
 */
export interface HistoryRow {
  readonly activity: Activity;
  readonly visibleAtMs: number;
}

export interface SimulatorHistory {
  readonly tenantSeed: number;
  /** 1 on the first run, then one more per run. */
  readonly session: number;
  /** Seed of this run's new rows: their ids never repeat an earlier run's. */
  readonly sessionSeed: number;
  /** Earlier runs' rows, oldest first: the newest `maxRows`. */
  readonly rows: readonly HistoryRow[];
  /** Older rows left out this time. */
  readonly dropped: number;
  readonly directory: string;
  record(row: HistoryRow): void;
}

const STATE_FILE = 'simulator.json';
const ROWS_FILE = 'simulator-history.jsonl';
const FORMAT = 1;
/**
 * Rows kept across runs: about three hours of the demo (≈ 850 bytes of heap each, inside the
 * command's bounded heap). A resumed forwarder reads from its watermark, always among the newest.
 */
export const MAX_HISTORY_ROWS = 20_000;

function line(row: HistoryRow): string {
  return `${JSON.stringify({ visible_at_ms: row.visibleAtMs, activity: row.activity })}\n`;
}

interface StateFile {
  readonly format: number;
  readonly tenant_seed: number;
  readonly sessions: number;
}

function corrupt(path: string, why: string): ConfigError {
  return new ConfigError(
    `${why}. Delete ${path} and ${ROWS_FILE} next to it (and the checkpoint) to start a new demo tenant`,
    path,
  );
}

function readState(path: string): StateFile | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw corrupt(path, 'not JSON');
  }
  const s = parsed as Partial<StateFile>;
  if (s.format !== FORMAT || !Number.isInteger(s.tenant_seed) || !Number.isInteger(s.sessions))
    throw corrupt(path, `not a format ${FORMAT} simulator state`);
  return s as StateFile;
}

function readRows(path: string): HistoryRow[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const rows: HistoryRow[] = [];
  lines.forEach((line, i) => {
    if (line === '') return;
    try {
      const r = JSON.parse(line) as { visible_at_ms: number; activity: Activity };
      rows.push({ activity: r.activity, visibleAtMs: r.visible_at_ms });
    } catch {
      // A line torn by a kill mid-write was never served: nothing can depend on it.
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l !== ''))
        throw corrupt(path, `line ${i + 1} is not JSON`);
    }
  });
  return rows;
}

/** Opens (or starts) the history in `directory`; a new tenant gets `seed`. */
export function openHistory(directory: string, seed: number, maxRows = MAX_HISTORY_ROWS): SimulatorHistory {
  mkdirSync(directory, { recursive: true });
  const statePath = join(directory, STATE_FILE);
  const rowsPath = join(directory, ROWS_FILE);
  const previous = readState(statePath);
  const all = previous ? readRows(rowsPath) : [];
  const rows = all.slice(-maxRows);
  if (rows.length < all.length) {
    writeFileSync(`${rowsPath}.tmp`, rows.map(line).join(''));
    renameSync(`${rowsPath}.tmp`, rowsPath);
  }
  const state: StateFile = {
    format: FORMAT,
    tenant_seed: previous?.tenant_seed ?? seed,
    sessions: (previous?.sessions ?? 0) + 1,
  };
  // A stale journal without its state file belongs to no known tenant: start it afresh.
  if (!previous) writeFileSync(rowsPath, '');
  writeFileSync(statePath, `${JSON.stringify(state)}\n`);
  return {
    tenantSeed: state.tenant_seed,
    session: state.sessions,
    sessionSeed: state.sessions === 1 ? state.tenant_seed : mixSeed(state.tenant_seed, state.sessions),
    rows,
    dropped: all.length - rows.length,
    directory,
    record(row) {
      appendFileSync(rowsPath, line(row));
    },
  };
}
