import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

/**
 * Runs the real CLI (from source, through tsx) as a child process: the end-to-end tests
 * kill it with SIGKILL, restart it, and read what it delivered.
 */
export const REPO_ROOT = resolve(__dirname, '../..');
const ENTRY = join(REPO_ROOT, 'src/cli/entry.ts');

export function cliArgs(args: readonly string[]): string[] {
  return ['--import', 'tsx', ENTRY, ...args];
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function tempDir(prefix = 'caf-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a config object as YAML and returns its path. */
export function writeConfig(dir: string, config: unknown, name = 'config.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof config === 'string' ? config : YAML.stringify(config));
  return path;
}

export interface ForwarderProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<CliResult>;
  stdout(): string;
  stderr(): string;
}

/**
 * Every CLI process a test started is killed after the file's tests, pass or fail: a
 * forwarder left running would keep the test process (its pipes) alive for ever.
 */
const children = new Set<ChildProcess>();
function killChildren(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
after(killChildren);
process.on('exit', killChildren);

export function startCli(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ForwarderProcess {
  const child = spawn(process.execPath, cliArgs(args), {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<CliResult>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stdout: out, stderr: err })),
  );
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Runs the CLI to completion (killing it after `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const p = startCli(args, opts);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  try {
    return await p.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Parsed lines of a JSONL file (none if it does not exist yet); a torn line fails loudly. */
export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text
    .split('\n')
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
