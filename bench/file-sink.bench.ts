/**
 * Simulator → forwarder → file sink: activities/s and the forwarder's peak RSS, for each
 * output format. The simulator runs in its own process; the forwarder is the CLI
 * (`run --once`), so the number includes start-up, paging, normalization and fsync.
 *   node --import tsx bench/file-sink.bench.ts [activities]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writeConfig } from '../test/support/forwarder';
import { cli, startSimulatorProcess, table } from './support';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200_000);
  const sim = await startSimulatorProcess([
    '--backlog',
    String(n),
    '--backlog-window',
    '6h',
    '--rate',
    '0',
    '--rate-limit',
    '0',
  ]);
  const rows: (string | number)[][] = [];
  try {
    for (const format of ['raw', 'ocsf', 'ecs']) {
      const dir = tempDir('caf-bench-file-');
      const config = writeConfig(
        dir,
        `source:\n  base_url: ${sim.url}\n  api_key: sk-ant-api01-simulator-key\n  page_size: 5000\n  start_at: 7h\n  max_requests_per_minute: 600\n` +
          `checkpoint: { path: ${dir}/checkpoint.json }\ndead_letter: { path: ${dir}/dead.jsonl }\n` +
          `sinks:\n  archive: { type: file, path: ${dir}/events.jsonl, format: ${format} }\nlog: { level: warn }\n`,
      );
      const started = process.hrtime.bigint();
      const { code, peakRssMb } = await cli(['run', '--once', '-c', config]).exited;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').length - 1;
      if (code !== 0 || lines < n) throw new Error(`run failed: exit ${code}, ${lines}/${n} delivered`);
      rows.push([format, n, seconds.toFixed(2), Math.round(n / seconds), peakRssMb.toFixed(0)]);
    }
  } finally {
    sim.stop();
  }
  process.stdout.write(`\nSimulator → file sink (run --once, page_size 5000, fsync per batch)\n\n`);
  process.stdout.write(
    table(['format', 'activities', 'seconds', 'activities/s', 'peak RSS MB'], rows) + '\n',
  );
}

void main();
