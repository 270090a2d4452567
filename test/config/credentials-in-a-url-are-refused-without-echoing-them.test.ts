import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * `user:password@` in a URL or address would be printed wherever the URL is: the start-up
 * log, `validate`'s answer, the checkpoint, `checkpoint show`. Both `validate` and `run`
 * refuse it with exit 2, naming the field, and the refusal never quotes the password.
 */

const PASSWORD = 'Pa55-in-the-url-9876';
const API_KEY = 'sk-ant-api01-test-key';

const cases: { name: string; config: Record<string, unknown>; field: string }[] = [
  {
    name: 'source.base_url',
    config: { source: { base_url: `https://svc:${PASSWORD}@api.anthropic.com`, api_key: API_KEY } },
    field: 'source.base_url',
  },
  {
    name: 'a loopback source.base_url',
    config: { source: { base_url: `http://svc:${PASSWORD}@127.0.0.1:8787`, api_key: API_KEY } },
    field: 'source.base_url',
  },
  {
    name: 'telemetry.endpoint',
    config: { telemetry: { endpoint: `http://otel:${PASSWORD}@127.0.0.1:4318` } },
    field: 'telemetry.endpoint',
  },
  {
    name: 'a HEC endpoint',
    config: {
      sinks: {
        s: {
          type: 'splunk_hec',
          endpoint: `https://x:${PASSWORD}@splunk.example.com:8088`,
          token: 'hec-token-0123456789',
        },
      },
    },
    field: 'sinks.s.endpoint',
  },
  {
    name: 'a Kafka broker',
    config: {
      sinks: {
        s: { type: 'kafka', brokers: [`fwd:${PASSWORD}@kafka-1:9093`], topic: 't', tls: { enabled: true } },
      },
    },
    field: 'sinks.s.brokers[0]',
  },
  {
    name: 'a syslog address',
    config: { sinks: { s: { type: 'syslog', address: `fwd:${PASSWORD}@siem.example.com:6514` } } },
    field: 'sinks.s.address',
  },
];

const dir = tempDir('caf-userinfo-');

for (const c of cases) {
  test(`credentials in ${c.name} are refused by validate and run with exit 2, never echoed`, async () => {
    const config = {
      source: { base_url: 'http://127.0.0.1:9', api_key: API_KEY },
      checkpoint: { path: `${dir}/data/checkpoint.json` },
      sinks: { archive: { type: 'file', path: `${dir}/data/events.jsonl` } },
      ...c.config,
    };
    const path = writeConfig(dir, config, `${c.name.replace(/\W+/g, '-')}.yaml`);
    for (const args of [
      ['validate', '-c', path],
      ['run', '--once', '-c', path],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].startsWith(`claude-audit-forwarder: config error: ${c.field}: `), lines[0]);
      assert.match(lines[0], /user:password@/);
      assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), `${args[0]} echoed the password: ${r.stderr}`);
      assert.ok(
        !(r.stdout + r.stderr).includes('[REDACTED]'),
        'refused before anything is printed, not masked after',
      );
    }
  });
}
