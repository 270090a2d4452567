import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger, stripControls } from '../observability/logger';
import { querySource, API_KEY_ENV, type CredentialFlags, type QuerySource } from '../query/credentials';
import {
  ExportWriter,
  prepareOutDir,
  verifyExport,
  type ExportFormat,
  type ExportNormalize,
} from '../query/export';
import type { QueryFilters } from '../query/filters';
import { readFeed, type FeedRead, type FoundRow, type ReadOptions } from '../query/read';
import { QUERY_FORMATS, csvHeader, pipeLine, tableLines, type QueryFormat } from '../query/render';
import { accessTransparencyNote, resolveWindow, type QueryWindow } from '../query/window';
import { redactProcessOutput, writeEvents } from '../observability/guard';
import { AbortedError, ConfigError } from '../util/errors';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, reportError } from './exit';

interface FilterFlags extends CredentialFlags {
  readonly since?: string;
  readonly until?: string;
  readonly type: string[];
  readonly user: string[];
  readonly apiKey: string[];
  readonly org: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

/** The options `query` and `export` share: credentials, window and filters. */
function withFilters(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'config file: its source section gives the key, URL, TLS and rate limit')
    .option(
      '--api-key-file <file>',
      `without -c: a file holding the Compliance API key (else ${API_KEY_ENV})`,
    )
    .option('--base-url <url>', 'without -c: the API base URL (default https://api.anthropic.com)')
    .option('--since <when>', 'window start: a duration back (24h, 7d) or an RFC 3339 time', '24h')
    .option('--until <when>', 'window end (default: now minus the 1-minute indexing lag)')
    .option('--type <glob>', 'activity type, exact or a glob such as "*api_key*" (repeatable)', collect, [])
    .option('--user <id|email>', 'a user_… id or an email address (repeatable)', collect, [])
    .option(
      '--api-key <id>',
      'an apikey_… or admin_api_key_… id: either prefix matches the same key (repeatable)',
      collect,
      [],
    )
    .option('--org <id>', 'an org_… id or organization UUID (repeatable)', collect, []);
}

function filtersOf(flags: FilterFlags): QueryFilters {
  return { types: flags.type, users: flags.user, apiKeys: flags.apiKey, orgs: flags.org };
}

/** Ctrl-C or SIGTERM stops the read; a second one exits at once. */
async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) process.exit(EXIT_INTERRUPTED);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function note(text: string): void {
  process.stderr.write(`claude-audit-forwarder: ${text}\n`);
}

/** On a terminal: one progress line on stderr, rewritten in place. */
function progressLine(enabled: boolean): Pick<ReadOptions, 'onProgress'> & { done(): void } {
  if (!enabled) return { done: () => undefined };
  let shown = false;
  return {
    onProgress: (matched, reached) => {
      shown = true;
      process.stderr.write(`\r\u001b[Kreading: ${matched} matching, reached ${reached ?? '…'}`);
    },
    done: () => {
      if (shown) process.stderr.write('\r\u001b[K');
      shown = false;
    },
  };
}

interface Prepared {
  readonly source: QuerySource['source'];
  readonly log: QuerySource['log'];
  readonly window: QueryWindow;
  readonly filters: QueryFilters;
}

/** Credentials, window and filters, with the notes on what the window may lack: before any I/O. */
function prepare(flags: FilterFlags): Prepared {
  redactProcessOutput();
  const { source, log } = querySource(flags);
  const window = resolveWindow(flags.since, flags.until);
  const filters = filtersOf(flags);
  if (window.incompleteNote) note(window.incompleteNote);
  const lateNote = accessTransparencyNote(filters, window);
  if (lateNote) note(lateNote);
  return { source, log, window, filters };
}

async function read(
  p: Prepared,
  limit: number,
  signal: AbortSignal,
  progress: Pick<ReadOptions, 'onProgress'> & { done(): void },
  onRows: ReadOptions['onRows'],
): Promise<FeedRead> {
  const result = await readFeed(p.source, p.filters, p.window, {
    logger: createLogger({ level: p.log.level, format: p.log.format }),
    signal,
    baseDir: process.cwd(),
    limit,
    onRows,
    onProgress: progress.onProgress,
  }).finally(() => progress.done());
  if (result.truncated) note(`stopped at --limit ${limit}: later matching activities were not read`);
  return result;
}

function writeOut(text: string): Promise<void> {
  return new Promise((done, fail) => writeEvents(process.stdout, text, (err) => (err ? fail(err) : done())));
}

/** `query … | head`: the reader closed the pipe because it has what it wanted. */
function readerClosedPipe(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'EPIPE';
}

function failureCode(err: unknown): number {
  if (err instanceof AbortedError) {
    note('interrupted: nothing more was read');
    return EXIT_INTERRUPTED;
  }
  return reportError(err);
}

export function queryCommand(): Command {
  return withFilters(
    new Command('query').description(
      'read the activity feed for a window and filters, and print what matches (exit 0 read, 1 failed, 2 bad usage, 130 interrupted)',
    ),
  )
    .addOption(
      new Option('--format <format>', 'table for a terminal; json, csv, ocsf or ecs for pipes')
        .choices(QUERY_FORMATS)
        .default('table'),
    )
    .option('--limit <n>', 'stop after this many matching activities (0: all)', nonNegativeInt, 0)
    .action(async (flags: FilterFlags & { format: QueryFormat; limit: number }) => {
      const progress = progressLine(flags.format === 'table' && process.stderr.isTTY === true);
      // Each write's callback gets its error (writeOut); unheard, the stream would also throw it.
      process.stdout.on('error', () => undefined);
      try {
        const prepared = prepare(flags);
        const format = flags.format;
        if (format === 'table') {
          // A table is sized to its rows: it is printed once they are all read.
          const rows: FoundRow[] = [];
          const onRows = (page: readonly FoundRow[]): Promise<void> => {
            rows.push(...page);
            return Promise.resolve();
          };
          const result = await interruptible((signal) =>
            read(prepared, flags.limit, signal, progress, onRows),
          );
          if (rows.length === 0) note(`no activities match (${result.fetched} read)`);
          else await writeOut(tableLines(rows, process.stdout.columns ?? 160).join('\n') + '\n');
        } else {
          // Pipes get each page as it comes: a long window never waits whole in memory.
          if (format === 'csv') await writeOut(csvHeader());
          const onRows = (page: readonly FoundRow[]): Promise<void> =>
            writeOut(page.map((r) => pipeLine(r, format)).join(''));
          await interruptible((signal) => read(prepared, flags.limit, signal, progress, onRows));
        }
        process.exitCode = EXIT_OK;
      } catch (err) {
        // A failed write ends the read: no more requests for rows nobody reads.
        process.exitCode = readerClosedPipe(err) ? EXIT_OK : failureCode(err);
      }
    });
}

export function exportCommand(): Command {
  return withFilters(
    new Command('export').description(
      'write the matching activities to DIR with a manifest.json (counts, request ids, SHA-256); --verify DIR rechecks one (exit 0 ok, 1 failed or altered, 2 bad usage, 130 interrupted)',
    ),
  )
    .option('--out <dir>', 'directory for the data file, SHA256SUMS and manifest.json')
    .addOption(new Option('--format <format>', 'data file format').choices(['jsonl', 'csv']).default('jsonl'))
    .addOption(
      new Option('--normalize <schema>', 'jsonl rows as the API sent them, or as OCSF or ECS events')
        .choices(['raw', 'ocsf', 'ecs'])
        .default('raw'),
    )
    .option('--verify <dir>', 'recheck an export instead of writing one')
    .action(
      async (
        flags: FilterFlags & {
          out?: string;
          format: ExportFormat;
          normalize: ExportNormalize;
          verify?: string;
        },
      ) => {
        try {
          process.exitCode = flags.verify ? await verify(flags.verify) : await exportTo(flags);
        } catch (err) {
          process.exitCode = failureCode(err);
        }
      },
    );
}

async function verify(dir: string): Promise<number> {
  const v = await verifyExport(resolve(dir));
  for (const line of v.lines) process.stdout.write(stripControls(line) + '\n');
  if (!v.ok) note(`${dir}: the export does not match its manifest`);
  return v.ok ? EXIT_OK : EXIT_FAILURE;
}

async function exportTo(
  flags: FilterFlags & { out?: string; format: ExportFormat; normalize: ExportNormalize },
): Promise<number> {
  if (!flags.out) throw new ConfigError('missing; give the directory to write to (or --verify DIR)', '--out');
  if (flags.format === 'csv' && flags.normalize !== 'raw')
    throw new ConfigError(
      'csv rows are the flat summary; --normalize ocsf|ecs needs --format jsonl',
      '--normalize',
    );
  const prepared = prepare(flags);
  const dir = resolve(flags.out);
  await prepareOutDir(dir, flags.format);
  const { window, filters } = prepared;
  const writer = await ExportWriter.open({
    dir,
    format: flags.format,
    normalize: flags.normalize,
    window,
    filters,
  });
  const progress = progressLine(process.stderr.isTTY === true);
  let result: FeedRead;
  try {
    result = await interruptible((signal) =>
      read(prepared, 0, signal, progress, (rows) => writer.write(rows)),
    );
  } catch (err) {
    await writer.discard();
    throw err;
  }
  const manifest = await writer.finish(result);
  process.stdout.write(
    `exported ${manifest.count} activities (${window.since} to ${window.until}) to ${dir}/${manifest.data_file}\n` +
      `sha256 ${manifest.sha256}; check with: claude-audit-forwarder export --verify ${dir}\n`,
  );
  return EXIT_OK;
}
