import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './support/forwarder';

// The suite runs TypeScript through tsx, which strips types without checking them: this is
// the one place the strict type check runs, so a type error fails `npm test`.
test('the whole tree (src, test, bench, scripts) passes tsc --strict', () => {
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', REPO_ROOT],
    {
      encoding: 'utf8',
      timeout: 180_000,
    },
  );
  assert.equal(r.status, 0, `tsc reported:\n${r.stdout}${r.stderr}`);
});
