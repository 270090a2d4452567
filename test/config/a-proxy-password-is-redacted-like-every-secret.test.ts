import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load';
import { clearSecretsForTests, redact } from '../../src/observability/redact';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * `proxy:` on the source and on HTTP sinks takes credentials in its URL (that is how every
 * proxy client is told them). Its password is registered for redaction like api_key and
 * token, and a refused proxy URL is never echoed.
 */
const PASSWORD = 'Proxy-Pa55-4242';
const API_KEY = 'sk-ant-api01-test-key';

test('the password of source.proxy and sinks.<name>.proxy is masked wherever it is printed', () => {
  clearSecretsForTests();
  const yaml = [
    'source:',
    `  api_key: ${API_KEY}`,
    `  proxy: "http://svc:${PASSWORD}@127.0.0.1:3128"`,
    'sinks:',
    '  splunk:',
    '    type: splunk_hec',
    '    endpoint: https://splunk.example.com:8088',
    '    token: hec-token-0123456789',
    `    proxy: "http://hec:${PASSWORD}x%40y@proxy.corp:3128"`,
  ].join('\n');
  const config = parseConfig(yaml, { env: {} });
  assert.equal(config.source.proxy, `http://svc:${PASSWORD}@127.0.0.1:3128/`);
  assert.ok(!redact(`connecting through http://svc:${PASSWORD}@127.0.0.1:3128`).includes(PASSWORD));
  assert.ok(!redact(`decoded: ${PASSWORD}x@y`).includes(`${PASSWORD}x@y`), 'the decoded form too');
});

test('a proxy URL that is not http:// is refused with exit 2, naming the field, never echoing the password', async () => {
  const dir = tempDir('caf-proxy-config-');
  const path = writeConfig(dir, {
    source: {
      base_url: 'http://127.0.0.1:9',
      api_key: API_KEY,
      proxy: `https://svc:${PASSWORD}@proxy.corp:3128`,
    },
    checkpoint: { path: `${dir}/data/checkpoint.json` },
    sinks: { archive: { type: 'file', path: `${dir}/data/events.jsonl` } },
  });
  const r = await runCli(['validate', '-c', path]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /config error: source\.proxy: .*use an http:\/\/ proxy URL/);
  assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), r.stderr);
});
