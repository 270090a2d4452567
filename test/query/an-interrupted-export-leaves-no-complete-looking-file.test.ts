import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { startCli, tempDir } from '../support/forwarder';
import { emptyFeed } from './support/feed';

/**
 * Ctrl-C during an export stops it cleanly (exit 130) and leaves neither a data file nor a
 * manifest under its final name: nothing there looks like a complete export. Rows read so
 * far were already streaming into a temporary file; it is removed.
 */
let sim: SimulatorHandle;

before(async () => {
  sim = await emptyFeed();
  sim.append(50, { createdAt: new Date(Date.now() - 3 * 3_600_000) });
  // Slow pages of one row each: the export is still reading when it is interrupted.
  sim.setLatency(400);
});
after(() => sim?.close());

test('SIGINT mid-read: exit 130, no activities.jsonl, no manifest.json', async () => {
  const out = join(tempDir('caf-export-int-'), 'out');
  const config = join(tempDir('caf-export-int-cfg-'), 'config.yaml');
  writeFileSync(
    config,
    `source:\n  base_url: ${sim.url}\n  api_key: ${sim.apiKey}\n  page_size: 1\n  backfill_concurrency: 1\nsinks:\n  out: {type: stdout}\n`,
  );
  const before = sim.requests().length;
  const p = startCli(['export', '-c', config, '--since', '6h', '--out', out]);
  while (sim.requests().length < before + 3) await new Promise((r) => setTimeout(r, 50));
  p.child.kill('SIGINT');
  const r = await p.exited;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  assert.equal(existsSync(join(out, 'activities.jsonl')), false);
  assert.equal(existsSync(join(out, 'manifest.json')), false);
  // Not even the temporary file: the interrupted export removed it.
  assert.deepEqual(readdirSync(out), []);
});
