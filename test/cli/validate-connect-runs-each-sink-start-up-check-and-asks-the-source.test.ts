import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { runCli, tempDir, writeConfig } from '../support/forwarder';
import { freePort } from '../support/ports';

/**
 * `validate --connect` goes one step further than `validate`: each sink's start-up check
 * (start, then close) and one request to the source. Exit 0 when all answer; exit 1 naming
 * each sink, or the source, that cannot be used (a config error stays exit 2).
 */
let sim: SimulatorHandle;
let dir: string;

before(async () => {
  sim = await startSimulator({ seed: 7, backlog: 10, selfEvents: false });
  dir = tempDir('caf-validate-connect-');
});
after(() => sim?.close());

function config(name: string, source: Record<string, unknown>, sinks: Record<string, unknown>): string {
  return writeConfig(
    dir,
    {
      source,
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks,
      metrics: { enabled: false },
    },
    name,
  );
}

test('every sink and the source answer: exit 0', async () => {
  const path = config(
    'up.yaml',
    { base_url: sim.url, api_key: sim.apiKey },
    { archive: { type: 'file', path: join(dir, 'events.jsonl') } },
  );
  const r = await runCli(['validate', '--connect', '-c', path]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /valid;.*\n {2}archive: all \d+ types\nconnected: the source and 1 sink\(s\) answered\n$/,
  );
  assert.ok(sim.requests().length >= 1, 'the source was asked once');
});

test('a sink that is down: exit 1 naming that sink only', async () => {
  const down = await freePort();
  const path = config(
    'sink-down.yaml',
    { base_url: sim.url, api_key: sim.apiKey },
    {
      archive: { type: 'file', path: join(dir, 'events.jsonl') },
      siem: { type: 'syslog', address: `127.0.0.1:${down}`, transport: 'tcp' },
    },
  );
  const r = await runCli(['validate', '--connect', '--connect-timeout', '10', '-c', path]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    new RegExp(
      `^claude-audit-forwarder: cannot connect: sinks\\.siem \\(syslog\\): .*127\\.0\\.0\\.1:${down}`,
    ),
  );
  assert.equal(lines[0].match(/sinks\.siem/g)?.length, 1, 'the sink is named once');
});

test('a source that refuses the key: exit 1 naming the source', async () => {
  const path = config(
    'bad-key.yaml',
    { base_url: sim.url, api_key: 'sk-ant-api01-not-the-right-key' },
    { archive: { type: 'file', path: join(dir, 'events.jsonl') } },
  );
  const r = await runCli(['validate', '--connect', '-c', path]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(
    r.stderr.trim(),
    new RegExp(
      `^claude-audit-forwarder: cannot connect: source \\(${sim.url.replace(/[.:/]/g, '\\$&')}\\): .*401`,
    ),
  );
  assert.doesNotMatch(r.stderr, /not-the-right-key/);
});

test('a config error is still exit 2, before connecting to anything', async () => {
  const path = config(
    'bad.yaml',
    { base_url: sim.url, api_key: sim.apiKey },
    {
      siem: {
        type: 'syslog',
        address: '127.0.0.1:1',
        transport: 'tls',
        tls: { ca_file: join(dir, 'missing.pem') },
      },
    },
  );
  const before = sim.requests().length;
  const r = await runCli(['validate', '--connect', '-c', path]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /config error: sinks\.siem\.tls\.ca_file/);
  assert.equal(sim.requests().length, before, 'the source was not asked');
});
