import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { emptyFeed } from './support/feed';

/**
 * The key comes from -c (its source section), or from ANTHROPIC_COMPLIANCE_KEY or
 * --api-key-file. None: exit 2 saying where to put one. A refused key: exit 1, and the key
 * is never printed.
 */
let sim: SimulatorHandle;
let dir: string;
const noKey = { ANTHROPIC_COMPLIANCE_KEY: '' };

before(async () => {
  sim = await emptyFeed();
  sim.append(3, { createdAt: new Date(Date.now() - 3_600_000) });
  dir = tempDir('caf-query-key-');
});
after(() => sim?.close());

test('no key anywhere: exit 2 naming the variable and the flags', async () => {
  const r = await runCli(['query', '--base-url', sim.url], { env: noKey });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /config error: ANTHROPIC_COMPLIANCE_KEY \(or --api-key-file\): missing; .*-c/);
});

test('a key file, or a config file, reads the feed', async () => {
  const keyFile = join(dir, 'key');
  writeFileSync(keyFile, sim.apiKey + '\n');
  const fromFile = await runCli(
    ['query', '--base-url', sim.url, '--api-key-file', keyFile, '--format', 'json'],
    {
      env: noKey,
    },
  );
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.equal(fromFile.stdout.trim().split('\n').length, 3);
  const config = writeConfig(dir, {
    source: { base_url: sim.url, api_key: sim.apiKey },
    sinks: { out: { type: 'stdout' } },
  });
  const fromConfig = await runCli(['query', '-c', config, '--format', 'json'], { env: noKey });
  assert.equal(fromConfig.code, 0, fromConfig.stderr);
  assert.equal(fromConfig.stdout, fromFile.stdout);
});

test('a refused key: exit 1, and the key is not printed', async () => {
  const wrong = 'sk-ant-api01-not-the-right-key-0123456789';
  const r = await runCli(['query', '--base-url', sim.url], { env: { ANTHROPIC_COMPLIANCE_KEY: wrong } });
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /not-the-right-key/);
});
