import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './support/forwarder';

// CI runs only `npm ci` and `npm test`, so `npm run lint` runs here.
test('the whole tree passes npm run lint (ESLint, then Prettier --check)', () => {
  const r = spawnSync('npm', ['run', '--silent', 'lint'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `npm run lint reported:\n${r.stdout}${r.stderr}`);
});
