import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { parseConfig } from '../../src/config/load';
import { createLogger } from '../../src/observability/logger';
import { warnPlaintextPaths } from '../../src/sinks/plaintext-warnings';

/**
 * Kafka without TLS, syslog over UDP or TCP and an http:// HEC endpoint send events (and
 * credentials) in clear. To another host that takes `allow_plaintext: true` on the sink;
 * without it both `validate` and `run` refuse with exit 2, naming the field. Loopback stays
 * allowed, and every start warns once per plaintext path that leaves the machine.
 */

const SOURCE = { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' };
const PASSWORD = 'scram-password-123456';
const HEC_TOKEN = 'hec-token-0123456789';

const remote: Record<string, { sink: Record<string, unknown>; field: string; mentions: RegExp }> = {
  'kafka without tls, with SASL': {
    sink: {
      type: 'kafka',
      brokers: ['kafka-1.example.com:9092', 'kafka-2.example.com:9092'],
      topic: 'audit',
      sasl: { mechanism: 'scram-sha-512', username: 'fwd', password: PASSWORD },
    },
    field: 'sinks.s.tls',
    mentions:
      /kafka-1\.example\.com, kafka-2\.example\.com .*SASL scram-sha-512 login .*tls: \{ enabled: true \}.*allow_plaintext: true/,
  },
  'syslog over tcp': {
    sink: { type: 'syslog', address: 'siem.example.com:514', transport: 'tcp' },
    field: 'sinks.s.transport',
    mentions: /siem\.example\.com .*transport: tls.*allow_plaintext: true/,
  },
  'syslog over udp': {
    sink: { type: 'syslog', address: '10.0.0.8', transport: 'udp' },
    field: 'sinks.s.transport',
    mentions: /10\.0\.0\.8 .*allow_plaintext: true/,
  },
  'an http:// HEC endpoint': {
    sink: { type: 'splunk_hec', endpoint: 'http://splunk.example.com:8088', token: HEC_TOKEN },
    field: 'sinks.s.endpoint',
    mentions: /splunk\.example\.com .*HEC token.*https:\/\/.*allow_plaintext: true/,
  },
};

const dir = tempDir('caf-plaintext-');

function configFor(sink: Record<string, unknown>, name: string): string {
  return writeConfig(
    dir,
    { source: SOURCE, checkpoint: { path: `${dir}/${name}/checkpoint.json` }, sinks: { s: sink } },
    `${name}.yaml`,
  );
}

for (const [name, c] of Object.entries(remote)) {
  test(`${name} to another host is refused by validate and run with exit 2 naming ${c.field}`, async () => {
    const path = configFor(c.sink, name.replace(/\W+/g, '-'));
    for (const args of [
      ['validate', '-c', path],
      ['run', '--once', '-c', path],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0],
        new RegExp(`^claude-audit-forwarder: config error: ${c.field.replace(/\./g, '\\.')}: `),
      );
      assert.match(lines[0], c.mentions);
      assert.ok(!r.stderr.includes(PASSWORD) && !r.stderr.includes(HEC_TOKEN), 'no secret in the refusal');
    }
  });

  test(`${name} to another host is accepted with allow_plaintext: true`, async () => {
    const r = await runCli([
      'validate',
      '-c',
      configFor({ ...c.sink, allow_plaintext: true }, `${name.replace(/\W+/g, '-')}-allowed`),
    ]);
    assert.equal(r.code, 0, r.stderr);
  });
}

test('plaintext to loopback needs no opt-in', async () => {
  const loopback = [
    { type: 'kafka', brokers: ['127.0.0.1:9092', 'localhost:9093'], topic: 'audit' },
    { type: 'syslog', address: '127.0.0.1:514', transport: 'tcp' },
    { type: 'syslog', address: '[::1]:514', transport: 'udp' },
    { type: 'splunk_hec', endpoint: 'http://localhost:8088', token: HEC_TOKEN },
  ];
  for (const [i, sink] of loopback.entries()) {
    const r = await runCli(['validate', '-c', configFor(sink, `loopback-${i}`)]);
    assert.equal(r.code, 0, `${JSON.stringify(sink)}: ${r.stderr}`);
  }
});

test('every start warns once per plaintext path that leaves the machine, SASL included, and never for loopback or TLS', () => {
  const sinks = Object.fromEntries(
    Object.values(remote).map((c, i) => [`p${i}`, { ...c.sink, allow_plaintext: true }]),
  );
  const config = parseConfig(
    YAML.stringify({
      source: SOURCE,
      sinks: {
        ...sinks,
        local: { type: 'syslog', address: '127.0.0.1:514', transport: 'tcp' },
        secure: {
          type: 'kafka',
          brokers: ['kafka-1.example.com:9093'],
          topic: 'audit',
          tls: { enabled: true },
        },
      },
    }),
  );
  let out = '';
  const stream = new Writable({ write: (chunk: Buffer, _enc, cb) => ((out += chunk.toString()), cb()) });
  assert.equal(warnPlaintextPaths(config, createLogger({ format: 'json', stream })), 4);
  const warnings = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: string; message: string; field: string });
  assert.deepEqual(
    warnings.map((w) => [w.level, w.field]),
    [
      ['warn', 'sinks.p0.tls'],
      ['warn', 'sinks.p1.transport'],
      ['warn', 'sinks.p2.transport'],
      ['warn', 'sinks.p3.endpoint'],
    ],
  );
  assert.match(warnings[0].message, /SASL scram-sha-512 login in clear/);
  assert.match(warnings[3].message, /HEC token in clear/);
  assert.ok(!out.includes(PASSWORD) && !out.includes(HEC_TOKEN));
});
