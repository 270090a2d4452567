import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * Plain http carries the API key (or HEC token) in clear: a `proxy:` on another machine for
 * an http:// address would hand it over. `validate` refuses it as `run` does, naming the field.
 */
const API_KEY = 'sk-ant-api01-test-key';

test('validate refuses a proxy on another machine for a plain-http address, naming the field', async () => {
  const dir = tempDir('caf-proxy-plain-');
  const path = writeConfig(dir, {
    source: {
      base_url: 'http://10.1.2.3:8787',
      allow_insecure_http: true,
      api_key: API_KEY,
      proxy: 'http://egress.corp:3128',
    },
    checkpoint: { path: `${dir}/data/checkpoint.json` },
    sinks: { archive: { type: 'file', path: `${dir}/data/events.jsonl` } },
  });
  const r = await runCli(['validate', '-c', path]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /config error: source\.proxy: http:\/\/10\.1\.2\.3:8787 is plain http and the proxy egress\.corp:3128 is on another machine: the API key would reach it in clear/,
  );
});
