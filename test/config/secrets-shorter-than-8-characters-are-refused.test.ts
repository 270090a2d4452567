import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * Redaction masks a secret wherever its text occurs. A 4-character token ("user") occurs in
 * ordinary text everywhere, so it can neither be masked cleanly nor be a real credential: a
 * secret under 8 characters is a config error naming the field, whether written inline, from
 * the environment or from a `*_file`, and the refusal does not quote it.
 */

const dir = tempDir('caf-short-secret-');
const SOURCE = { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' };
const FILE_SINK = { archive: { type: 'file', path: `${dir}/events.jsonl` } };
const shortFile = join(dir, 'short-secret');
writeFileSync(shortFile, 'Qx7\n', { mode: 0o600 });

const cases: {
  name: string;
  config: Record<string, unknown>;
  field: string;
  env?: Record<string, string>;
}[] = [
  {
    name: 'the API key',
    config: { source: { ...SOURCE, api_key: 'Qx7pz1' }, sinks: FILE_SINK },
    field: 'source.api_key',
  },
  {
    name: 'the API key from a file',
    config: { source: { base_url: SOURCE.base_url, api_key_file: shortFile }, sinks: FILE_SINK },
    field: 'source.api_key',
  },
  {
    name: 'a HEC token',
    config: {
      source: SOURCE,
      sinks: { s: { type: 'splunk_hec', endpoint: 'https://127.0.0.1:8088', token: 'Qx7u' } },
    },
    field: 'sinks.s.token',
  },
  {
    name: 'a SASL password from the environment',
    config: {
      source: SOURCE,
      sinks: {
        s: {
          type: 'kafka',
          brokers: ['127.0.0.1:9092'],
          topic: 't',
          sasl: { mechanism: 'scram-sha-512', username: 'fwd', password: '${CAF_SHORT}' },
        },
      },
    },
    field: 'sinks.s.sasl.password',
    env: { CAF_SHORT: 'Qx7w12' },
  },
  {
    name: 'a TLS key password',
    config: {
      source: SOURCE,
      sinks: { s: { type: 'syslog', address: '127.0.0.1:6514', tls: { key_password: 'Qx7k1' } } },
    },
    field: 'sinks.s.tls.key_password',
  },
];

for (const c of cases) {
  test(`${c.name} under 8 characters is refused by validate and run with exit 2 naming ${c.field}`, async () => {
    const path = writeConfig(
      dir,
      { checkpoint: { path: `${dir}/data/checkpoint.json` }, ...c.config },
      `${c.name.replace(/\W+/g, '-')}.yaml`,
    );
    for (const args of [
      ['validate', '-c', path],
      ['run', '--once', '-c', path],
    ]) {
      const r = await runCli(args, { env: c.env });
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(
        lines[0].startsWith(`claude-audit-forwarder: config error: ${c.field}: shorter than 8 characters`),
        lines[0],
      );
      assert.ok(!(r.stdout + r.stderr).includes('Qx7'), `${args[0]} quoted the secret: ${r.stderr}`);
    }
  });
}

test('a secret of 8 characters is accepted', async () => {
  const path = writeConfig(
    dir,
    { source: { ...SOURCE, api_key: 'Qx7pz1ab' }, sinks: FILE_SINK },
    'eight.yaml',
  );
  const r = await runCli(['validate', '-c', path]);
  assert.equal(r.code, 0, r.stderr);
});
