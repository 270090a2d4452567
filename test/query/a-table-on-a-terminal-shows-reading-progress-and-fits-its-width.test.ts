import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { cliArgs, tempDir } from '../support/forwarder';
import { inTerminal } from '../support/terminal';
import { emptyFeed } from './support/feed';

/**
 * `query --format table` in a real terminal (script(1), 80 columns): while it reads, a
 * progress line on stderr says how many rows match and how far the read has come; it is
 * erased before the table, whose lines fit the terminal.
 */
let sim: SimulatorHandle;

before(async () => {
  sim = await emptyFeed();
  sim.append(400, { createdAt: new Date(Date.now() - 3 * 3_600_000) });
});
after(() => sim?.close());

test('a progress line while reading, then a table as wide as the terminal', async (t) => {
  if (spawnSync('script', ['--version']).status !== 0) {
    t.skip('script(1) from util-linux is not installed');
    return;
  }
  const config = join(tempDir('caf-query-tty-'), 'config.yaml');
  writeFileSync(
    config,
    `source:\n  base_url: ${sim.url}\n  api_key: ${sim.apiKey}\n  page_size: 50\n  backfill_concurrency: 1\n  max_requests_per_minute: 600\nsinks:\n  out: {type: stdout}\n`,
  );
  const command = [process.execPath, ...cliArgs(['query', '-c', config, '--since', '6h'])]
    .map((a) => `'${a}'`)
    .join(' ');
  const r = await inTerminal(`stty cols 80; exec ${command}`);
  assert.equal(r.status, 0, r.output.slice(-2000));
  assert.match(r.output, /reading: \d+ matching, reached \d{4}-\d\d-\d\dT/);
  const table = r.output
    .split(/\r?\n/)
    .map((l) => l.slice(l.lastIndexOf('\r') + 1).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''))
    .filter((l) => /^(TIME|\d{4}-\d\d-\d\dT)/.test(l));
  assert.equal(table.length, 401, 'the header and every row');
  for (const line of table) assert.ok(line.length <= 80, `a line of ${line.length}: ${line}`);
});
