import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  readJsonl,
  REPO_ROOT,
  startCli,
  tempDir,
  waitFor,
  type ForwarderProcess,
} from '../support/forwarder';
import { freePort } from '../support/ports';

/**
 * What a newcomer does: `npm run demo`, Ctrl-C, `npm run demo` again. The second run must
 * resume (the simulator keeps its tenant and history in the demo's data directory), say so,
 * and deliver nothing the first run delivered. The shipped config/demo.yaml, in a scratch
 * directory, on a free port.
 */

function eventIds(dir: string): string[] {
  return readJsonl<{ metadata: { uid: string } }>(join(dir, 'data/demo/events.jsonl')).map(
    (e) => e.metadata.uid,
  );
}

async function ctrlC(fwd: ForwarderProcess): Promise<number | null> {
  fwd.child.kill('SIGINT');
  const timer = setTimeout(() => fwd.child.kill('SIGKILL'), 30_000);
  try {
    return (await fwd.exited).code;
  } finally {
    clearTimeout(timer);
  }
}

test('a second demo run after Ctrl-C resumes the same tenant, says so, and delivers nothing twice', async () => {
  const dir = tempDir('caf-demo-');
  const port = await freePort();
  const config = readFileSync(join(REPO_ROOT, 'config/demo.yaml'), 'utf8').replaceAll(
    '127.0.0.1:8787',
    `127.0.0.1:${port}`,
  );
  writeFileSync(join(dir, 'demo.yaml'), config);
  const args = ['run', '-c', 'demo.yaml', '--simulator', '--no-progress'];

  const first = startCli(args, { cwd: dir, from: 'built', asShipped: true });
  // The 200-row backlog, then some live rows delivered after the first checkpoint.
  await waitFor(() => eventIds(dir).length > 205, 60_000, 'the first run to deliver live activities');
  assert.equal(await ctrlC(first), 0, first.stderr());
  const afterFirst = eventIds(dir).length;

  const second = startCli(args, { cwd: dir, from: 'built', asShipped: true });
  await waitFor(
    () => eventIds(dir).length > afterFirst + 5 || !second.running,
    60_000,
    'the second run to deliver new activities',
  );
  assert.equal(await ctrlC(second), 0, second.stderr());
  // Log lines go to stderr; stdout carries the events.
  assert.match(first.stderr(), /started a new demo tenant/);
  assert.match(second.stderr(), /resumed the same demo tenant and its history/);
  assert.match(second.stderr(), /resuming from checkpoint/);

  const ids = eventIds(dir);
  assert.ok(ids.length > afterFirst, 'the second run delivered new activities');
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(repeated, [], 'no activity is delivered twice across the two runs');
  rmSync(dir, { recursive: true, force: true });
});
