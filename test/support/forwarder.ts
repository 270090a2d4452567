import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { buildForwarder, commandOf, REPO_ROOT } from './build';
import { trackRss, type RssSample } from './rss';

/**
 * The real CLI as a child process, for the tests, the benchmarks and the chaos suite alike:
 * they kill it (SIGTERM or SIGKILL), restart it, follow its memory and read what it printed.
 */
export { REPO_ROOT };
const ENTRY = join(REPO_ROOT, 'src/cli/entry.ts');

/** Node's arguments that run the CLI from source, through tsx. */
export function cliArgs(args: readonly string[]): string[] {
  return ['--import', 'tsx', ENTRY, ...args];
}

/** A built forwarder: the script plain `node` runs, and the shipped command that starts it. */
export interface ForwarderBuild {
  readonly script: string;
  /** bin/claude-audit-forwarder: it starts node with the bounded heap, as users run it. */
  readonly command: string;
}

let workingTree: ForwarderBuild | undefined;

/** The working tree transpiled as it ships (built once per source tree, see ./build). */
export function workingTreeBuild(): ForwarderBuild {
  if (!workingTree) {
    const script = buildForwarder();
    workingTree = { script, command: commandOf(script) };
  }
  return workingTree;
}

/**
 * What `npm run build` made, started through bin/ as the package does, or another checkout's
 * bin/claude-audit-forwarder.js (to compare builds).
 */
export function shippedBuild(script = join(REPO_ROOT, 'bin/claude-audit-forwarder.js')): ForwarderBuild {
  return { script, command: script.replace(/\.js$/, '') };
}

export interface StartOptions {
  /**
   * Which forwarder: from source through tsx (the default: no build step), `'built'` (the
   * working tree as it ships: tsx would add its own ~30 MB to every RSS number and a second
   * to every restart), or a given build.
   */
  readonly from?: 'source' | 'built' | ForwarderBuild;
  /** Through the build's `claude-audit-forwarder` command instead of `node`; nodeFlags then do not apply. */
  readonly asShipped?: boolean;
  /** Flags for node itself, e.g. a heap limit. */
  readonly nodeFlags?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Each of stdout and stderr keeps at most its last this many characters. */
  readonly maxOutputChars?: number;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set (VmHWM), MB. */
  readonly peakRssMb: number;
}

export interface ForwarderProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<CliResult>;
  readonly running: boolean;
  stdout(): string;
  stderr(): string;
  /** Characters dropped from the start of stdout and stderr to keep within maxOutputChars. */
  droppedOutputChars(): number;
  /** Peak resident set so far (VmHWM), MB. */
  peakRssMb(): number;
  rssSamples(): readonly RssSample[];
  /** SIGTERM, then waits; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<CliResult>;
  kill9(): Promise<CliResult>;
}

/** Large enough for any run's whole output (the security checks grep all of it), but bounded. */
const DEFAULT_MAX_OUTPUT_CHARS = 32 * 1024 * 1024;

/** The last `max` characters of a stream; trims to 3/4 so a long run does not copy on every chunk. */
class OutputTail {
  text = '';
  dropped = 0;
  constructor(private readonly max: number) {}

  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length <= this.max) return;
    const cut = this.text.length - Math.floor((this.max * 3) / 4);
    this.dropped += cut;
    this.text = this.text.slice(cut);
  }
}

/** Every process started here, so a failed test or scenario never leaves one running. */
const live = new Set<ChildProcess>();
function killLive(): void {
  for (const child of live) child.kill('SIGKILL');
}
process.on('exit', killLive);
// In a test file a forwarder still running keeps the process (its pipes) alive, so 'exit'
// never comes: kill them after the file's tests. Elsewhere (bench, `npm run chaos`) node:test
// must not be started: it would print a test report.
if (/\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) after(killLive);

function commandLine(args: readonly string[], opts: StartOptions): [string, string[]] {
  const from = opts.from ?? 'source';
  const flags = opts.nodeFlags ?? [];
  if (from === 'source') {
    if (opts.asShipped) throw new Error('asShipped needs a build: from source there is no command');
    return [process.execPath, [...flags, ...cliArgs(args)]];
  }
  const build = from === 'built' ? workingTreeBuild() : from;
  return opts.asShipped ? [build.command, [...args]] : [process.execPath, [...flags, build.script, ...args]];
}

export function startCli(args: readonly string[], opts: StartOptions = {}): ForwarderProcess {
  const [command, argv] = commandLine(args, opts);
  const child = spawn(command, argv, {
    cwd: opts.cwd ?? REPO_ROOT,
    // No NODE_OPTIONS from the runner may leak into the process under test.
    env: { ...withoutNodeOptions(process.env), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const rss = trackRss(child);
  const max = opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  const out = new OutputTail(max);
  const err = new OutputTail(max);
  child.stdout.setEncoding('utf8').on('data', (d: string) => out.append(d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => err.append(d));
  let running = true;
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      running = false;
      live.delete(child);
      resolve({ code, signal, stdout: out.text, stderr: err.text, peakRssMb: rss.peakMb() });
    }),
  );
  const stop = async (graceMs = 60_000): Promise<CliResult> => {
    if (running) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    child,
    exited,
    get running() {
      return running;
    },
    stdout: () => out.text,
    stderr: () => err.text,
    droppedOutputChars: () => out.dropped + err.dropped,
    peakRssMb: rss.peakMb,
    rssSamples: rss.samples,
    stop,
    kill9: async () => {
      if (running) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Runs the CLI to completion (SIGKILL after `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  opts: StartOptions & { timeoutMs?: number } = {},
): Promise<CliResult> {
  const p = startCli(args, opts);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

function withoutNodeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_OPTIONS;
  return copy;
}

export function tempDir(prefix = 'caf-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a config object as YAML (or a string as it is) and returns its path. */
export function writeConfig(dir: string, config: unknown, name = 'config.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof config === 'string' ? config : YAML.stringify(config));
  return path;
}

/**
 * Parsed lines of a JSONL file (none if it does not exist yet). A file still being written may end in
 * a line its writer has not finished, which is not an event yet; once the writer has stopped, pass
 * `{ finished: true }` and that partial line fails too. A torn line before the last always fails.
 */
export function readJsonl<T = Record<string, unknown>>(path: string, opts: { finished?: boolean } = {}): T[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const unterminated = lines.pop() ?? '';
  if (opts.finished && unterminated.length > 0) {
    throw new Error(
      `${path}: the last line has no newline after the writer stopped: ${unterminated.slice(0, 120)}`,
    );
  }
  return lines
    .filter((l) => l.length > 0)
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw new Error(`${path}: line ${i + 1} is not JSON (torn write?): ${l.slice(0, 120)}`);
      }
    });
}

/** Waits until `check` returns true, polling; fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
