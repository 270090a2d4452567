import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePorts } from './ports';

/**
 * What test/support/rsyslog.ts and test/support/syslog-ng.ts share: free ports, the
 * parsed-message shape both daemons are made to write, reading their output files, and
 * running a daemon as a child process that can be stopped and restarted.
 */

export type SyslogListenerTransport = 'tcp' | 'udp' | 'tls';

export interface SyslogListenerSpec {
  /** Names the output file and tags each parsed message (`listener`). */
  readonly name: string;
  readonly transport: SyslogListenerTransport;
  /** TLS only: require a client certificate signed by the test CA. */
  readonly mutualTls?: boolean;
}

export interface SyslogTlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** One message as the daemon parsed it (normalized across rsyslog and syslog-ng). */
export interface ReceivedSyslogMessage {
  readonly listener: string;
  readonly pri: number;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procid: string;
  readonly msgid: string;
  /** SD-ID → PARAM-NAME → value, unescaped by the daemon's own parser. */
  readonly sd: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** MSG as the daemon stored it (rsyslog keeps a BOM, syslog-ng strips it). */
  readonly msg: string;
  /** The message as it arrived, before parsing. */
  readonly raw: string;
}

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SYSLOG_CI_SCRIPT = 'scripts/ci/syslog.sh';

/** Ports for every listener, all different numbers. */
export async function allocatePorts(
  listeners: readonly SyslogListenerSpec[],
): Promise<Record<string, number>> {
  const numbers = await freePorts(listeners.map((l) => (l.transport === 'udp' ? 'udp' : 'tcp')));
  return Object.fromEntries(listeners.map((l, i) => [l.name, numbers[i]]));
}

/** Is 127.0.0.1:`port` bound (UDP) or listening (TCP)? Linux /proc, no probe traffic. */
export function portBound(port: number, transport: 'tcp' | 'udp'): boolean {
  const table = readFileSync(`/proc/net/${transport}`, 'utf8');
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return table.split('\n').some((line) => {
    const cols = line.trim().split(/\s+/);
    return cols[1] === local && (transport === 'udp' || cols[3] === '0A');
  });
}

export async function waitUntil(
  what: string,
  predicate: () => boolean,
  timeoutMs: number,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Reads a JSON-lines output file; a line still being written (no LF yet) is left for later. */
export function readJsonLines(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n');
  if (end === -1) return [];
  return text
    .slice(0, end)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as unknown);
}

/** Runs the install script once when a daemon is missing (CI runs it beforehand anyway). */
export function ensureInstalled(check: () => boolean): void {
  if (check()) return;
  if (process.getuid?.() !== 0) return;
  spawnSync('bash', [join(REPO_ROOT, SYSLOG_CI_SCRIPT)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 300_000,
  });
}

/** Daemons still running, killed if the test process exits or is interrupted. */
const running = new Set<ChildProcess>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const killAll = (): void => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  // A signal (Ctrl-C, the runner's timeout) skips 'exit' handlers: kill the
  // daemons, then die of the same signal so the exit status still says what happened.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * A daemon in the foreground, its output in `logFile`. `stop()` sends SIGTERM and waits
 * (SIGKILL after a grace period); the daemon is also killed if the test process exits.
 */
export class DaemonProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private exitInfo?: string;

  constructor(
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly logFile: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Why it exited, with the tail of its log: for assertion messages. */
  describeExit(): string {
    const log = existsSync(this.logFile)
      ? readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n')
      : '';
    return `${this.exitInfo ?? 'still running'}\n${log}`;
  }

  start(): void {
    const fd = openSync(this.logFile, 'a');
    const child = spawn(this.command, [...this.args], { stdio: ['ignore', fd, fd], env: this.env });
    closeSync(fd);
    this.child = child;
    this.exitInfo = undefined;
    running.add(child);
    installExitHooks();
    this.exited = new Promise((res) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = `exited with ${signal ?? `code ${code}`}`;
        running.delete(child);
        res();
      });
      child.once('error', (err) => {
        this.exitInfo = `could not start ${this.command}: ${err.message}`;
        running.delete(child);
        res();
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || this.exitInfo !== undefined) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
