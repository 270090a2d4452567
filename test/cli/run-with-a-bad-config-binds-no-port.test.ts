import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { freePort } from '../support/ports';

/**
 * `run` starts nothing, not even the metrics listener, until the configuration is valid.
 * The metrics port is held by this test: a forwarder that tried to bind it would fail on
 * the taken port instead of on the configuration, and would log that it serves /metrics.
 */

const SOURCE = { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' };

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const cases: {
  name: string;
  config: (dir: string) => Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  line: RegExp;
}[] = [
  {
    name: 'a checkpoint directory that cannot be written',
    config: (dir) => {
      writeFileSync(join(dir, 'blocker'), '');
      return {
        checkpoint: { path: join(dir, 'blocker', 'checkpoint.json') },
        sinks: { out: { type: 'stdout' } },
      };
    },
    line: /^claude-audit-forwarder: config error: checkpoint\.path: .*blocker is not a directory/,
  },
  {
    name: 'a proxy environment variable a sink cannot use',
    config: () => ({
      sinks: {
        splunk: {
          type: 'splunk_hec',
          endpoint: 'https://splunk.example.com:8088',
          token: 'hec-token-0123456789',
        },
      },
    }),
    env: { HTTPS_PROXY: 'socks5://127.0.0.1:1080', https_proxy: 'socks5://127.0.0.1:1080' },
    line: /^claude-audit-forwarder: config error: sinks\.splunk\.proxy: the HTTPS_PROXY environment variable names a socks5:\/\/ proxy/,
  },
];

for (const c of cases) {
  test(`${c.name}: run exits 2 without binding the metrics port`, async () => {
    const dir = tempDir('caf-run-bad-');
    const port = await freePort();
    const held = await listen(port);
    try {
      const path = writeConfig(dir, {
        source: SOURCE,
        checkpoint: { path: join(dir, 'checkpoint.json') },
        dead_letter: { path: join(dir, 'dead-letter.jsonl') },
        ...c.config(dir),
        metrics: { listen: `127.0.0.1:${port}` },
      });
      const r = await runCli(['run', '--once', '-c', path], { env: c.env });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr.trim(), c.line);
      assert.doesNotMatch(r.stdout + r.stderr, /metrics\.listen|serving \/metrics/);
    } finally {
      held.close();
    }
  });
}
