import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chainLink } from '../checkpoint/checkpointer';
import { EMPTY_SHA256 } from '../checkpoint/state';
import { serializeEvent } from '../normalize';
import { ConfigError } from '../util/errors';
import { VERSION } from '../version';
import type { QueryFilters } from './filters';
import type { FeedRead, FoundRow } from './read';
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

/** Refuses a directory that already holds an export: one is never overwritten. */
export async function prepareOutDir(dir: string, format: ExportFormat): Promise<void> {
  for (const name of [MANIFEST_FILE, dataFileName(format)])
    if (existsSync(join(dir, name)))
      throw new ConfigError(`${join(dir, name)} already exists; choose an empty directory`, '--out');
  await mkdir(dir, { recursive: true });
}

/** Writes a small file to a temporary name, flushes, then renames it into place. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.partial-${process.pid}`;
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.write(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}

export interface ExportTarget {
  readonly dir: string;
  readonly format: ExportFormat;
  readonly normalize: ExportNormalize;
  readonly window: QueryWindow;
  readonly filters: QueryFilters;
  readonly now?: () => Date;
}

/**
 * One export being written: rows stream into a temporary file (the hash and the content
 * chain follow them), which gets its final name only once the read is complete; then
 * SHA256SUMS, and the manifest last, which marks the export complete. An interrupted
 * export leaves at most a `.partial-<pid>` file.
 */
export class ExportWriter {
  private readonly hash = createHash('sha256');
  private chain = EMPTY_SHA256;
  private count = 0;
  private firstId: string | null = null;
  private lastId: string | null = null;
  /** ECS event.created is "when seen": the window's end, so two exports of a window are byte-identical. */
  private readonly seen: number;

  private constructor(
    private readonly target: ExportTarget,
    private readonly file: FileHandle,
    private readonly temp: string,
  ) {
    this.seen = Date.parse(target.window.until);
  }

  static async open(target: ExportTarget): Promise<ExportWriter> {
    const temp = join(target.dir, `.${dataFileName(target.format)}.partial-${process.pid}`);
    const writer = new ExportWriter(target, await open(temp, 'wx', 0o600), temp);
    if (target.format === 'csv') await writer.append(csvHeader());
    return writer;
  }

  private async append(text: string): Promise<void> {
    this.hash.update(text);
    await this.file.write(text);
  }

  private rowText(row: FoundRow): string {
    if (this.target.format === 'csv') return csvLine(row.activity);
    const record = { seq: 0, activity: row.activity, raw: row.raw };
    return serializeEvent(record, this.target.normalize, { now: () => this.seen }) + '\n';
  }

  async write(rows: readonly FoundRow[]): Promise<void> {
    for (const r of rows) {
      this.chain = chainLink(this.chain, r.activity.id, r.raw);
      this.firstId ??= r.activity.id;
      this.lastId = r.activity.id;
    }
    this.count += rows.length;
    await this.append(rows.map((r) => this.rowText(r)).join(''));
  }

  async finish(read: FeedRead): Promise<ExportManifest> {
    await this.file.sync();
    await this.file.close();
    const t = this.target;
    const dataFile = dataFileName(t.format);
    await rename(this.temp, join(t.dir, dataFile));
    const sha256 = this.hash.digest('hex');
    const manifest: ExportManifest = {
      tool: 'claude-audit-forwarder',
      version: VERSION,
      exported_at: (t.now?.() ?? new Date()).toISOString(),
      window: { since: t.window.since, until: t.window.until },
      filters: t.filters,
      format: t.format,
      normalize: t.normalize,
      data_file: dataFile,
      count: this.count,
      first_id: this.firstId,
      last_id: this.lastId,
      request_ids: read.requestIds,
      sha256,
      content_chain_sha256: this.chain,
    };
    await writeAtomically(join(t.dir, SUMS_FILE), `${sha256}  ${dataFile}\n`);
    await writeAtomically(join(t.dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  }

  /** The read failed or was interrupted: the temporary file goes. */
  async discard(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }
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

interface RowScan {
  count: number;
  firstId: string | null;
  lastId: string | null;
  /** The content chain, for raw JSON Lines only. */
  chain?: string;
}

/** Counts the lines of a data file, and for raw JSON Lines recomputes the content chain: one line at a time. */
async function rowsOf(path: string, rawJsonl: boolean): Promise<RowScan> {
  const scan: RowScan = {
    count: 0,
    firstId: null,
    lastId: null,
    ...(rawJsonl ? { chain: EMPTY_SHA256 } : {}),
  };
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    scan.count++;
    if (scan.chain === undefined) continue;
    let id = '';
    try {
      const parsed = JSON.parse(line) as { id?: unknown };
      id = typeof parsed.id === 'string' ? parsed.id : '';
    } catch {
      // An unparsable row breaks the chain.
    }
    scan.firstId ??= id;
    scan.lastId = id;
    scan.chain = chainLink(scan.chain, id, line);
  }
  return scan;
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
  const rows = await rowsOf(dataPath, m.format === 'jsonl' && m.normalize === 'raw');
  const count = m.format === 'csv' ? rows.count - 1 : rows.count;
  check(count === m.count, 'row count', `${count} rows, the manifest says ${m.count}`);
  if (rows.chain !== undefined) {
    check(
      rows.firstId === m.first_id && rows.lastId === m.last_id,
      'first and last activity id',
      `${rows.firstId ?? 'none'} … ${rows.lastId ?? 'none'}, the manifest says ${m.first_id ?? 'none'} … ${m.last_id ?? 'none'}`,
    );
    check(
      rows.chain === m.content_chain_sha256,
      'content chain',
      `is ${rows.chain}, the manifest says ${m.content_chain_sha256}`,
    );
  }
  return { ok, lines };
}
