import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { APP_DIR, APP_NAME, buildPackage, writePackage } from '../../../scripts/package-splunk-ta';

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}

describe('scripts/package-splunk-ta.ts', () => {
  const work = mkdtempSync(join(tmpdir(), 'splunk-ta-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const tgz = writePackage(join(work, 'dist'));

  it('names the package after the app and its version', () => {
    assert.match(tgz, /TA-claude-audit-\d+\.\d+\.\d+\.tgz$/);
  });

  it('holds one top directory named after the app, with the standard layout, owned by root, 0755/0644', () => {
    // tar itself reads the package: what Splunk's installer sees.
    const listing = execFileSync('tar', ['-tvzf', tgz], { encoding: 'utf8' }).trim().split('\n');
    const names: string[] = [];
    for (const line of listing) {
      const [mode, owner, , , , name] = line.split(/\s+/);
      names.push(name);
      assert.equal(owner, 'root/root', line);
      assert.equal(mode, name.endsWith('/') ? 'drwxr-xr-x' : '-rw-r--r--', line);
      assert.ok(name === `${APP_NAME}/` || name.startsWith(`${APP_NAME}/`), line);
      assert.ok(!/\/(local|\.[^/]*)(\/|$)/.test(name), `no local/ or hidden files: ${line}`);
    }
    for (const required of [
      'default/app.conf',
      'default/props.conf',
      'default/eventtypes.conf',
      'default/tags.conf',
      'metadata/default.meta',
      'README.md',
    ])
      assert.ok(names.includes(`${APP_NAME}/${required}`), `missing ${required}`);
  });

  it('unpacks to exactly the files of deploy/splunk/TA-claude-audit', () => {
    const out = join(work, 'apps');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('tar', ['-xzf', tgz, '-C', out]);
    const unpacked = filesUnder(join(out, APP_NAME)).map((p) => relative(join(out, APP_NAME), p));
    const source = filesUnder(APP_DIR).map((p) => relative(APP_DIR, p));
    assert.deepEqual(unpacked, source);
    for (const file of source)
      assert.ok(readFileSync(join(out, APP_NAME, file)).equals(readFileSync(join(APP_DIR, file))), file);
  });

  it('is the same bytes every time it is built', () => {
    assert.ok(buildPackage().equals(buildPackage()));
  });
});
