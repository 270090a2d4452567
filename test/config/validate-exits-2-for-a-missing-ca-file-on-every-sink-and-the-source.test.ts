import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { MINIMAL_SINKS, MINIMAL_TLS_SINKS, registeredSinkTypes } from '../support/minimal-sinks';

/**
 * A `tls.ca_file` that does not exist is refused by `validate` with exit 2 and one line
 * naming the field, on every registered sink type that speaks TLS and on the source.
 */

const dir = tempDir('caf-validate-ca-');
const SOURCE = { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' };
const missing = join(dir, 'no-such-ca.pem');

function configWith(source: Record<string, unknown>, sinks: Record<string, unknown>, name: string): string {
  return writeConfig(
    dir,
    {
      source,
      checkpoint: { path: join(dir, 'data', 'checkpoint.json') },
      dead_letter: { path: join(dir, 'data', 'dead-letter.jsonl') },
      sinks,
    },
    name,
  );
}

for (const type of registeredSinkTypes()) {
  const sink = MINIMAL_TLS_SINKS[type];
  const name =
    sink === null
      ? `${type}: has no TLS, so a tls: section is refused`
      : `${type}: a missing tls.ca_file exits 2 naming sinks.<name>.tls.ca_file`;
  test(name, async () => {
    assert.ok(sink !== undefined, `test/support/minimal-sinks.ts lists ${type}`);
    if (sink === null) {
      // A sink type without TLS must refuse a tls: section, or it would have to be listed above.
      assert.throws(
        () =>
          parseConfig(
            JSON.stringify({
              source: SOURCE,
              sinks: { out: { ...MINIMAL_SINKS[type], tls: { ca_file: missing } } },
            }),
            { env: {} },
          ),
        /unknown key "tls"/,
      );
      return;
    }
    const path = configWith(SOURCE, { out: { ...sink, tls: { ca_file: missing } } }, `${type}.yaml`);
    const r = await runCli(['validate', '-c', path]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr.trim(),
      /^claude-audit-forwarder: config error: sinks\.out\.tls\.ca_file: cannot read .*no-such-ca\.pem.*; point it at a readable PEM file$/,
    );
  });
}

test('source: a missing tls.ca_file exits 2 naming source.tls.ca_file', async () => {
  const path = configWith(
    { ...SOURCE, base_url: 'https://127.0.0.1:9', tls: { ca_file: missing } },
    { out: { type: 'stdout' } },
    'source.yaml',
  );
  const r = await runCli(['validate', '-c', path]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(
    r.stderr.trim(),
    /^claude-audit-forwarder: config error: source\.tls\.ca_file: cannot read .*no-such-ca\.pem/,
  );
});
