import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeCertificates } from '../support/certs';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { MINIMAL_TLS_SINKS } from '../support/minimal-sinks';

/**
 * A client certificate with another certificate's key fails every handshake: `validate`
 * says so before connecting (exit 2, naming tls.key_file), on every TLS sink and the source,
 * and `run` refuses it with the same line.
 */

const dir = tempDir('caf-validate-pair-');
const certs = makeCertificates({ dir: join(dir, 'certs'), clientCert: true });
// The client certificate with the server's key: both readable, not a pair.
const mismatched = { ca_file: certs.caFile, cert_file: certs.clientCertFile, key_file: certs.keyFile };
const SOURCE = { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' };

const cases: {
  name: string;
  source: Record<string, unknown>;
  sinks: Record<string, unknown>;
  field: string;
}[] = [
  ...Object.entries(MINIMAL_TLS_SINKS)
    .filter((e): e is [string, Readonly<Record<string, unknown>>] => e[1] !== null)
    .map(([type, sink]) => ({
      name: type,
      source: SOURCE,
      sinks: { out: { ...sink, tls: mismatched } },
      field: 'sinks.out.tls.key_file',
    })),
  {
    name: 'source',
    source: { ...SOURCE, base_url: 'https://127.0.0.1:9', tls: mismatched },
    sinks: { out: { type: 'stdout' } },
    field: 'source.tls.key_file',
  },
];

for (const c of cases) {
  test(`${c.name}: validate and run refuse a certificate and key that are not a pair, naming ${c.field}`, async () => {
    const path = writeConfig(
      dir,
      {
        source: c.source,
        checkpoint: { path: join(dir, 'data', 'checkpoint.json') },
        dead_letter: { path: join(dir, 'data', 'dead-letter.jsonl') },
        sinks: c.sinks,
        metrics: { enabled: false },
      },
      `${c.name}.yaml`,
    );
    const validate = await runCli(['validate', '-c', path]);
    assert.equal(validate.code, 2, validate.stdout + validate.stderr);
    const line = validate.stderr.trim();
    assert.ok(
      line.startsWith(
        `claude-audit-forwarder: config error: ${c.field}: the client certificate and key do not form a pair`,
      ),
      line,
    );
    assert.match(line, /point cert_file and key_file at the certificate and its own private key/);
    const run = await runCli(['run', '--once', '-c', path]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim(), line);
  });
}
