import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { tempDir } from '../support/forwarder';
import { cli, emptyFeed } from './support/feed';

/**
 * `export` writes the data file, SHA256SUMS and manifest.json; `export --verify` rechecks
 * them, and `sha256sum -c` alone checks the file. Two exports of one window are the same
 * bytes; one byte changed in the data file fails the verification.
 */
let sim: SimulatorHandle;
let dir: string;
const hour = 3_600_000;
const until = Date.now() - hour;
const window = [
  '--since',
  new Date(until - 5 * hour).toISOString(),
  '--until',
  new Date(until).toISOString(),
];

interface Manifest {
  count: number;
  first_id: string;
  last_id: string;
  request_ids: string[];
  sha256: string;
  content_chain_sha256: string;
  window: { since: string; until: string };
}

before(async () => {
  sim = await emptyFeed();
  sim.append(40, { createdAt: new Date(Date.now() - 3 * hour) });
  sim.append(30, { createdAt: new Date(Date.now() - 2 * hour) });
  dir = tempDir('caf-export-');
});
after(() => sim?.close());

async function exportTo(name: string, extra: readonly string[] = []): Promise<string> {
  const out = join(dir, name);
  const r = await cli(sim, ['export', ...window, '--out', out, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('the manifest names the window, count, ids, every request and the content chain', async () => {
  const before = sim.requests().length;
  const out = await exportTo('a');
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  const lines = readFileSync(join(out, 'activities.jsonl'), 'utf8').trim().split('\n');
  const expected = sim.allActivities().filter((a) => Date.parse(a.created_at) < until);
  assert.equal(lines.length, 70);
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { id: string }).id),
    expected.map((a) => a.id),
  );
  assert.equal(manifest.count, 70);
  assert.equal(manifest.first_id, expected[0].id);
  assert.equal(manifest.last_id, expected.at(-1)?.id);
  assert.deepEqual(
    manifest.request_ids,
    sim
      .requests()
      .slice(before)
      .map((r) => r.requestId),
  );
  const chain = lines.reduce(
    (sha, line) =>
      createHash('sha256')
        .update(sha + (JSON.parse(line) as { id: string }).id + '\n' + line)
        .digest('hex'),
    createHash('sha256').update('').digest('hex'),
  );
  assert.equal(manifest.content_chain_sha256, chain);
  execFileSync('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: out });

  const verified = await cli(sim, ['export', '--verify', out]);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  assert.match(
    verified.stdout,
    /OK activities.jsonl sha256\nOK row count\nOK first and last activity id\nOK content chain\n/,
  );
});

test('two exports of the same window and filters are byte-identical', async () => {
  const a = await exportTo('same-1', ['--normalize', 'ecs']);
  const b = await exportTo('same-2', ['--normalize', 'ecs']);
  assert.ok(readFileSync(join(a, 'activities.jsonl')).equals(readFileSync(join(b, 'activities.jsonl'))));
});

test('one changed byte in the data file fails the verification', async () => {
  const out = await exportTo('tampered');
  const path = join(out, 'activities.jsonl');
  const bytes = readFileSync(path);
  const at = bytes.indexOf('"type":"') + 8;
  bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61;
  writeFileSync(path, bytes);
  const r = await cli(sim, ['export', '--verify', out]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAILED activities.jsonl sha256/);
  assert.match(r.stdout, /FAILED content chain/);
  assert.throws(() => execFileSync('sha256sum', ['--check', '--status', 'SHA256SUMS'], { cwd: out }));
});

test('a CSV export verifies too, and an export never overwrites another', async () => {
  const out = await exportTo('csv', ['--format', 'csv']);
  const lines = readFileSync(join(out, 'activities.csv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 71);
  const verified = await cli(sim, ['export', '--verify', out]);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  const again = await cli(sim, ['export', ...window, '--out', out, '--format', 'csv']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /--out: .*already exists/);
});
