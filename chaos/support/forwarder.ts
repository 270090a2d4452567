import { spawn, type ChildProcess } from 'node:child_process';
import { trackRss, type RssSample } from '../../bench/support';
import { buildForwarder, commandOf, REPO } from './build';

/**
 * The forwarder under test: the real CLI, built from the working tree, in its own process
 * (so SIGKILL is a real crash and its memory is its own). Everything it prints is kept:
 * the security scenario greps it for secrets.
 */
export interface ForwarderExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ForwarderProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ForwarderExit>;
  readonly running: boolean;
  stdout(): string;
  stderr(): string;
  /** Peak resident set so far (VmHWM), MB. */
  peakRssMb(): number;
  rssSamples(): readonly RssSample[];
  /** SIGTERM, then waits; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ForwarderExit>;
  kill9(): Promise<ForwarderExit>;
}

export interface StartOptions {
  /** Flags for node itself, e.g. a heap limit. */
  readonly nodeFlags?: readonly string[];
  /**
   * Start it as users do, through the `claude-audit-forwarder` command (the launcher that
   * bounds the heap), instead of `node <entry>`; nodeFlags then do not apply.
   */
  readonly asShipped?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

let entry: string | undefined;

export function forwarderEntry(): string {
  entry ??= buildForwarder();
  return entry;
}

/** Every process started here, so a failed scenario never leaves one running. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function startForwarder(args: readonly string[], opts: StartOptions = {}): ForwarderProcess {
  const [command, argv] = opts.asShipped
    ? [commandOf(forwarderEntry()), [...args]]
    : [process.execPath, [...(opts.nodeFlags ?? []), forwarderEntry(), ...args]];
  const child = spawn(command, argv, {
    cwd: opts.cwd ?? REPO,
    // No NODE_OPTIONS from the runner (tsx's loader) may leak into the process under test.
    env: { ...withoutNodeOptions(process.env), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const rss = trackRss(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  let running = true;
  const exited = new Promise<ForwarderExit>((resolve) =>
    child.on('close', (code, signal) => {
      running = false;
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  const stop = async (graceMs = 60_000): Promise<ForwarderExit> => {
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
    stdout: () => out,
    stderr: () => err,
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
export async function runForwarder(
  args: readonly string[],
  opts: StartOptions & { timeoutMs?: number } = {},
): Promise<ForwarderExit & { stdout: string; stderr: string; peakRssMb: number }> {
  const p = startForwarder(args, opts);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  try {
    const r = await p.exited;
    return { ...r, stdout: p.stdout(), stderr: p.stderr(), peakRssMb: p.peakRssMb() };
  } finally {
    clearTimeout(timer);
  }
}

function withoutNodeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_OPTIONS;
  return copy;
}
