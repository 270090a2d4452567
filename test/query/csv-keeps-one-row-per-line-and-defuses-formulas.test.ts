import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { tempDir } from '../support/forwarder';
import { activity, cli, emptyFeed, userActor } from './support/feed';

/**
 * Values come from the API and may hold anything: in CSV a line break never starts a new
 * row (so an export's row count holds), quotes and commas are quoted, and a cell a
 * spreadsheet would run as a formula gets a leading quote.
 */
let sim: SimulatorHandle;

before(async () => {
  sim = await emptyFeed();
  const hostile = userActor('user_01CsvTest00000000000001', 'line\nbreak,"x"@example.com');
  sim.append([
    activity(sim, 90, 'claude_chat_created', hostile),
    activity(
      sim,
      80,
      'claude_chat_created',
      userActor('user_01CsvTest00000000000002', '=HYPERLINK("http://x")'),
    ),
  ]);
});
after(() => sim?.close());

test('query --format csv: one line per row, formulas defused', async () => {
  const r = await cli(sim, ['query', '--format', 'csv']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1], /,"line break,""x""@example.com",/);
  assert.match(lines[2], /,"'=HYPERLINK\(""http:\/\/x""\)",/);
});

test('a CSV export of such rows verifies', async () => {
  const out = join(tempDir('caf-csv-'), 'out');
  const e = await cli(sim, ['export', '--format', 'csv', '--out', out]);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(readFileSync(join(out, 'activities.csv'), 'utf8').trim().split('\n').length, 3);
  const v = await cli(sim, ['export', '--verify', out]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});
