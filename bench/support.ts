import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Shared pieces of the benchmarks: processes, free ports, peak RSS, tables. */
export const REPO = resolve(__dirname, '..');
const ENTRY = join(REPO, 'src/cli/entry.ts');

import { freePort } from '../test/support/ports';

export { freePort };

/** The CLI as a separate process (the simulator must not share the forwarder's CPU or heap). */
export function cli(args: string[], opts: { quiet?: boolean } = {}): ChildProcess {
  return spawn(
    process.execPath,
    process.env.BENCH_FROM_SOURCE
      ? ['--import', 'tsx', ENTRY, ...args]
      : [
          ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
          join(REPO, 'bin/claude-audit-forwarder.js'),
          ...args,
        ],
    {
      cwd: REPO,
      stdio: ['ignore', opts.quiet ? 'ignore' : 'inherit', 'pipe'],
    },
  );
}

/** Starts `simulate` on a free port and resolves once it answers. */
export async function startSimulatorProcess(args: string[]): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = cli(['simulate', '--port', String(port), '--no-self-events', ...args], { quiet: true });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return { url, stop: () => child.kill('SIGTERM') };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('simulator did not start');
}

/** Peak resident set of a process, sampled from /proc every 50 ms until it exits. */
export function trackPeakRss(child: ChildProcess): { peakMb: () => number } {
  const rss = trackRss(child);
  return { peakMb: rss.peakMb };
}

/** One reading of a process's memory from /proc (MB); undefined once it has exited. */
export function readRss(pid: number): { rssMb: number; hwmMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (!rss || !hwm) return undefined;
    return { rssMb: Number(rss[1]) / 1024, hwmMb: Number(hwm[1]) / 1024 };
  } catch {
    return undefined;
  }
}

export interface RssSample {
  /** ms since tracking started */
  readonly atMs: number;
  readonly rssMb: number;
}

/**
 * Peak (VmHWM, the kernel's own high-water mark, so no spike between samples is missed) and
 * a timeline of VmRSS every `intervalMs`, to tell a flat process from a growing one.
 */
export function trackRss(
  child: ChildProcess,
  intervalMs = 50,
): { peakMb: () => number; samples: () => readonly RssSample[] } {
  let peak = 0;
  const started = Date.now();
  const samples: RssSample[] = [];
  let lastSample = -Infinity;
  const timer = setInterval(() => {
    if (child.pid === undefined) return;
    const r = readRss(child.pid);
    if (!r) return;
    peak = Math.max(peak, r.hwmMb);
    const now = Date.now();
    // The timeline keeps one point per 250 ms at most: long runs stay small.
    if (now - lastSample >= Math.max(intervalMs, 250)) {
      samples.push({ atMs: now - started, rssMb: r.rssMb });
      lastSample = now;
    }
  }, intervalMs);
  child.on('exit', () => clearInterval(timer));
  return { peakMb: () => peak, samples: () => samples };
}

export function waitExit(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => child.on('exit', (code) => res(code)));
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
