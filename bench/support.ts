import { resolve } from 'node:path';
import { shippedBuild, startCli, type ForwarderProcess } from '../test/support/forwarder';
import { freePort } from '../test/support/ports';

/** Shared pieces of the benchmarks: processes, free ports, tables. */
export const REPO = resolve(__dirname, '..');

export { freePort };

/** Flags for node itself from BENCH_NODE_FLAGS (e.g. --cpu-prof). */
export function benchNodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
}

/**
 * The CLI as a separate process (the simulator must not share the forwarder's CPU or heap):
 * as built by `npm run build`, or from source with BENCH_FROM_SOURCE.
 */
export function cli(args: string[]): ForwarderProcess {
  return startCli(args, {
    from: process.env.BENCH_FROM_SOURCE ? 'source' : shippedBuild(),
    nodeFlags: benchNodeFlags(),
    maxOutputChars: 64 * 1024,
  });
}

/** Starts `simulate` on a free port and resolves once it answers. */
export async function startSimulatorProcess(args: string[]): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const simulator = cli(['simulate', '--port', String(port), '--no-self-events', ...args]);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return { url, stop: () => void simulator.stop() };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await simulator.kill9();
  throw new Error('simulator did not start');
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
