import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chainLink } from '../checkpoint/checkpointer';
import { EMPTY_SHA256 } from '../checkpoint/state';
import { serializeEvent } from '../normalize';
import { ConfigError } from '../util/errors';
import { VERSION } from '../version';
import type { QueryFilters } from './filters';
import type { FeedRead } from './read';
import { csvHeader, csvLine } from './render';
import type { QueryWindow } from './window';

export const MANIFEST_FILE = 'manifest.json';
export const SUMS_FILE = 'SHA256SUMS';
export type ExportFormat = 'jsonl' | 'csv';
export type ExportNormalize = 'raw' | 'ocsf' | 'ecs';

export interface ExportManifest {
  readonly tool: 'claude-audit-forwarder';
  readonly version: string;
  readonly exported_at: string;
  readonly window: { readonly since: string; readonly until: string };
  readonly filters: QueryFilters;
  readonly format: ExportFormat;
  readonly normalize: ExportNormalize;
  readonly data_file: string;
  readonly count: number;
  readonly first_id: string | null;
  readonly last_id: string | null;
  readonly request_ids: readonly string[];
  readonly sha256: string;
  /** The forwarder's completeness hash: sha256(previous + id + "\n" + raw JSON), from sha256(""). */
  readonly content_chain_sha256: string;
}

export function dataFileName(format: ExportFormat): string {
  return format === 'csv' ? 'activities.csv' : 'activities.jsonl';
}

function rowText(row: FeedRead['rows'][number], req: ExportRequest): string {
  if (req.format === 'csv') return csvLine(row.activity);
  // ECS event.created is "when seen": the window's end, so two exports of a window are byte-identical.
  const seen = Date.parse(req.window.until);
  return (
    serializeEvent({ seq: 0, activity: row.activity, raw: row.raw }, req.normalize, { now: () => seen }) +
    '\n'
  );
}

/** Refuses a directory that already holds an export: one is never overwritten. */
export async function prepareOutDir(dir: string, format: ExportFormat): Promise<void> {
  for (const name of [MANIFEST_FILE, dataFileName(format)])
    if (existsSync(join(dir, name)))
      throw new ConfigError(`${join(dir, name)} already exists; choose an empty directory`, '--out');
  await mkdir(dir, { recursive: true });
}

/** Writes to a temporary name, flushes, then renames: an interrupted write leaves no complete-looking file. */
async function writeAtomically(path: string, chunks: Iterable<string>): Promise<string> {
  const temp = `${path}.partial-${process.pid}`;
  const hash = createHash('sha256');
  const file = await open(temp, 'wx', 0o600);
  try {
    let buffered: string[] = [];
    let size = 0;
    for (const chunk of chunks) {
      hash.update(chunk);
      buffered.push(chunk);
      size += chunk.length;
      if (size >= 1 << 20) {
        await file.write(buffered.join(''));
        buffered = [];
        size = 0;
      }
    }
    await file.write(buffered.join(''));
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(temp, { force: true });
    throw err;
  }
  await file.close();
  await rename(temp, path);
  return hash.digest('hex');
}

export interface ExportRequest {
  readonly dir: string;
  readonly format: ExportFormat;
  readonly normalize: ExportNormalize;
  readonly window: QueryWindow;
  readonly filters: QueryFilters;
  readonly read: FeedRead;
  readonly now?: () => Date;
}

/** The data file, then SHA256SUMS, then the manifest last: the manifest marks the export complete. */
export async function writeExport(req: ExportRequest): Promise<ExportManifest> {
  const { rows } = req.read;
  const dataFile = dataFileName(req.format);
  const header = req.format === 'csv' ? [csvHeader()] : [];
  const sha256 = await writeAtomically(join(req.dir, dataFile), [
    ...header,
    ...rows.map((r) => rowText(r, req)),
  ]);
  let chain = EMPTY_SHA256;
  for (const r of rows) chain = chainLink(chain, r.activity.id, r.raw);
  const manifest: ExportManifest = {
    tool: 'claude-audit-forwarder',
    version: VERSION,
    exported_at: (req.now?.() ?? new Date()).toISOString(),
    window: { since: req.window.since, until: req.window.until },
    filters: req.filters,
    format: req.format,
    normalize: req.normalize,
    data_file: dataFile,
    count: rows.length,
    first_id: rows[0]?.activity.id ?? null,
    last_id: rows.at(-1)?.activity.id ?? null,
    request_ids: req.read.requestIds,
    sha256,
    content_chain_sha256: chain,
  };
  await writeAtomically(join(req.dir, SUMS_FILE), [`${sha256}  ${dataFile}\n`]);
  await writeAtomically(join(req.dir, MANIFEST_FILE), [JSON.stringify(manifest, null, 2) + '\n']);
  return manifest;
}

export interface Verification {
  readonly ok: boolean;
  /** What was checked and what failed, one line each. */
  readonly lines: readonly string[];
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function readManifest(text: string, path: string): ExportManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ConfigError(`${path} is not JSON: not an export manifest`, '--verify');
  }
  const m = doc as Partial<ExportManifest> | null;
  if (!m || typeof m !== 'object' || typeof m.sha256 !== 'string' || typeof m.data_file !== 'string')
    throw new ConfigError(`${path} is not an export manifest (no sha256 or data_file)`, '--verify');
  if (m.data_file.includes('/') || m.data_file.includes('\\') || m.data_file.startsWith('.'))
    throw new ConfigError(`${path} names a data file outside its directory`, '--verify');
  return m as ExportManifest;
}

/**
 * Rechecks an export: the data file's SHA-256, its row count, and for raw JSON Lines the
 * first and last id and the content chain, recomputed row by row.
 */
export async function verifyExport(dir: string): Promise<Verification> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    throw new ConfigError(`${manifestPath} cannot be read: not a complete export`, '--verify');
  }
  const m = readManifest(text, manifestPath);
  const dataPath = join(dir, m.data_file);
  if (!existsSync(dataPath)) return { ok: false, lines: [`FAILED ${m.data_file}: missing`] };
  const lines: string[] = [];
  let ok = true;
  const check = (passed: boolean, what: string, detail: string): void => {
    ok &&= passed;
    lines.push(`${passed ? 'OK' : 'FAILED'} ${what}${passed ? '' : `: ${detail}`}`);
  };
  const actual = await fileSha256(dataPath);
  check(actual === m.sha256, `${m.data_file} sha256`, `is ${actual}, the manifest says ${m.sha256}`);
  const data = await readFile(dataPath, 'utf8');
  const rows = data.split('\n').filter((l) => l !== '');
  const count = m.format === 'csv' ? rows.length - 1 : rows.length;
  check(count === m.count, 'row count', `${count} rows, the manifest says ${m.count}`);
  if (m.format === 'jsonl' && m.normalize === 'raw') {
    let chain = EMPTY_SHA256;
    const ids: string[] = [];
    for (const line of rows) {
      let id = '';
      try {
        const parsed = JSON.parse(line) as { id?: unknown };
        id = typeof parsed.id === 'string' ? parsed.id : '';
      } catch {
        // An unparsable row breaks the chain below.
      }
      ids.push(id);
      chain = chainLink(chain, id, line);
    }
    check(
      (ids[0] ?? null) === m.first_id && (ids.at(-1) ?? null) === m.last_id,
      'first and last activity id',
      `${ids[0] ?? 'none'} … ${ids.at(-1) ?? 'none'}, the manifest says ${m.first_id ?? 'none'} … ${m.last_id ?? 'none'}`,
    );
    check(
      chain === m.content_chain_sha256,
      'content chain',
      `is ${chain}, the manifest says ${m.content_chain_sha256}`,
    );
  }
  return { ok, lines };
}
