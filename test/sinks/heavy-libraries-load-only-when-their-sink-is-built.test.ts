import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Every sink type is registered in one list, so the registry imports every sink folder. The
 * AWS SDK, the Azure SDK and kafkajs each cost tens of MB of resident memory: the memory
 * benchmark's fast sink went from 190 to 203 MB when the S3 and Sentinel sinks arrived.
 * They load when a sink that needs them is built, never with the registry.
 */
const HEAVY = [
  '@aws-sdk/client-s3',
  '@smithy/node-http-handler',
  '@azure/identity',
  '@azure/core-rest-pipeline',
  'kafkajs',
];

function loadedAfter(script: string): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

const REPORT = `const loaded = Object.keys(require.cache);
console.log(JSON.stringify(${JSON.stringify(HEAVY)}.filter((m) => loaded.some((p) => p.includes('/node_modules/' + m + '/')))));`;

test('the sink registry loads none of the SDKs the S3, Sentinel and Kafka sinks use', () => {
  assert.deepEqual(loadedAfter(`require('./src/sinks/registry');\n${REPORT}`), []);
});

test('building an S3 sink loads the AWS SDK, and a Sentinel sink the Azure SDK', () => {
  const loaded = loadedAfter(`
const { sinkFactory } = require('./src/sinks/registry');
const { silentLogger } = require('./src/observability/logger');
const ctx = { logger: silentLogger, hostname: 'h', version: 't', baseDir: process.cwd() };
const { MINIMAL_SINKS } = require('./test/support/minimal-sinks');
for (const type of ['s3', 'sentinel']) {
  const f = sinkFactory(type);
  f.create('x', f.configSchema.parse(MINIMAL_SINKS[type]), ctx);
}
${REPORT}`);
  for (const m of ['@aws-sdk/client-s3', '@azure/identity'])
    assert.ok(loaded.includes(m), `${m} loaded: ${loaded.join(', ')}`);
});
