import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * `validate` and `run` share one path for config checks, including those that need the file
 * system: a config `validate` passes does not fail `run` on a setting. Both answer exit 2
 * with the same line.
 */

const dir = tempDir('caf-validate-run-');
const SOURCE = { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' };

const cases: {
  name: string;
  sinks?: Record<string, unknown>;
  source?: Record<string, unknown>;
  line: RegExp;
}[] = [
  {
    name: 'an unreadable sink CA file',
    sinks: {
      siem: { type: 'syslog', address: '127.0.0.1:6514', tls: { ca_file: join(dir, 'missing-ca.pem') } },
    },
    line: /config error: sinks\.siem\.tls\.ca_file: cannot read .*missing-ca\.pem/,
  },
  {
    name: 'a client certificate without its key',
    sinks: {
      k: {
        type: 'kafka',
        brokers: ['127.0.0.1:9093'],
        topic: 't',
        tls: { cert_file: join(dir, 'client.pem') },
      },
    },
    line: /config error: sinks\.k\.tls: cert_file and key_file go together/,
  },
  {
    name: 'an unreadable source CA file',
    source: {
      ...SOURCE,
      base_url: 'https://127.0.0.1:9',
      tls: { ca_file: join(dir, 'missing-source-ca.pem') },
    },
    line: /config error: source\.tls\.ca_file: cannot read/,
  },
];

for (const c of cases) {
  test(`${c.name}: validate refuses it exactly as run does`, async () => {
    const path = writeConfig(
      dir,
      {
        source: c.source ?? SOURCE,
        checkpoint: { path: join(dir, 'data', 'checkpoint.json') },
        sinks: c.sinks ?? { archive: { type: 'file', path: join(dir, 'data', 'events.jsonl') } },
      },
      `${c.name.replace(/\W+/g, '-')}.yaml`,
    );
    const validate = await runCli(['validate', '-c', path]);
    const run = await runCli(['run', '--once', '-c', path]);
    assert.equal(validate.code, 2, validate.stdout + validate.stderr);
    assert.equal(run.code, 2, run.stderr);
    assert.match(validate.stderr.trim(), c.line);
    assert.equal(validate.stderr.trim(), run.stderr.trim());
  });
}
