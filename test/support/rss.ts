import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A process's memory, read from /proc: the forwarder's own, for the bench and chaos budgets. */

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
