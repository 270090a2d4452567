import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { GENERATED_FILES, TA_DEFAULT_DIR } from '../../../scripts/gen-splunk-ta';
import { parseConf } from './support/conf';
import { readTaConf, TA_DIR } from './support/add-on';

describe('the Splunk add-on files', () => {
  it('eventtypes.conf and tags.conf are what scripts/gen-splunk-ta.ts makes (run it after changing the mapping)', () => {
    for (const [name, render] of Object.entries(GENERATED_FILES)) {
      const committed = readFileSync(resolve(TA_DEFAULT_DIR, name), 'utf8');
      assert.ok(committed === render(), `${name} is stale: run \`node --import tsx scripts/gen-splunk-ta.ts\``);
    }
  });

  it('are all strict .conf files: stanzas, key = value, comments and continued lines only', () => {
    const files = [
      ...readdirSync(TA_DEFAULT_DIR).map((name) => resolve(TA_DEFAULT_DIR, name)),
      resolve(TA_DIR, 'metadata', 'default.meta'),
    ];
    for (const file of files) assert.ok(parseConf(readFileSync(file, 'utf8'), file).size > 0, file);
  });

  it('the strict reader refuses what Splunk would misread', () => {
    assert.throws(() => parseConf('key = value\n'), /outside any stanza/);
    assert.throws(() => parseConf('[a]\nk = 1\nk = 2\n'), /set twice/);
    assert.throws(() => parseConf('[a]\njust words\n'), /not a stanza header/);
    assert.throws(() => parseConf('[a]\n[a]\n'), /repeated/);
    assert.equal(parseConf('[a]\nk = one \\\n  two\n').get('a')?.get('k'), 'one \n  two');
  });

  it('app.conf carries the forwarder version and the app id the package directory is named after', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    const app = readTaConf('app.conf');
    assert.equal(app.get('launcher')?.get('version'), pkg.version);
    assert.equal(app.get('package')?.get('id'), 'TA-claude-audit');
  });
});
