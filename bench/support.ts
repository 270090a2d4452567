import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

/** Shared pieces of the benchmarks: processes, free ports, peak RSS, tables. */
export const REPO = resolve(__dirname, '..');
const ENTRY = join(REPO, 'src/cli/entry.ts');

import { freePort } from '../test/support/ports';
import { trackRss } from '../test/support/rss';

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
