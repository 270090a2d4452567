import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv/dist/2020';
import YAML from 'yaml';
import { renderConfigSchema } from '../../scripts/gen-config-schema';
import { REPO_ROOT, runCli } from '../support/forwarder';
import { parseConfig } from '../../src/config/load';

test('schema/config.schema.json is generated from the code (run scripts/gen-config-schema.ts after changing the schema)', () => {
  const committed = readFileSync(join(REPO_ROOT, 'schema/config.schema.json'), 'utf8');
  assert.equal(committed, renderConfigSchema());
});

test('validate --print-schema prints the same schema', async () => {
  const r = await runCli(['validate', '--print-schema']);
  assert.equal(r.code, 0);
  const printed = JSON.parse(r.stdout) as Record<string, unknown>;
  const file = JSON.parse(readFileSync(join(REPO_ROOT, 'schema/config.schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  assert.deepEqual(printed.properties, file.properties);
});

test('the example configs satisfy the exported schema, and a typo does not', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(renderConfigSchema()) as object);
  for (const name of [
    'demo.yaml',
    'full.yaml',
    'splunk.yaml',
    'kafka.yaml',
    'syslog.yaml',
    'elasticsearch.yaml',
  ]) {
    const doc = YAML.parse(readFileSync(join(REPO_ROOT, 'config', name), 'utf8')) as unknown;
    assert.ok(validate(doc), `${name}: ${ajv.errorsText(validate.errors)}`);
  }
  for (const name of [
    'demo.yaml',
    'full.yaml',
    'splunk.yaml',
    'kafka.yaml',
    'syslog.yaml',
    'elasticsearch.yaml',
  ]) {
    // The loader too (it resolves *_file, which the JSON Schema cannot): only the files may be missing.
    const text = readFileSync(join(REPO_ROOT, 'config', name), 'utf8');
    try {
      parseConfig(text, {
        env: { ANTHROPIC_COMPLIANCE_KEY: 'sk-ant-api01-example', SPLUNK_HEC_TOKEN: 'example-token' },
      });
    } catch (err) {
      assert.match(
        (err as Error).message,
        /cannot read secret file \/run\/secrets\//,
        `${name}: ${(err as Error).message}`,
      );
    }
  }
  const typo = YAML.parse(readFileSync(join(REPO_ROOT, 'config', 'demo.yaml'), 'utf8')) as {
    source: Record<string, unknown>;
  };
  typo.source.pol_interval = '5s';
  assert.equal(validate(typo), false);
});
