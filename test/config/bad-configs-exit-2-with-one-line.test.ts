import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

const GOOD_SOURCE = 'source:\n  base_url: http://127.0.0.1:9\n  api_key: sk-ant-api01-test-key\n';
const FILE_SINK = 'sinks:\n  archive: { type: file, path: ./events.jsonl }\n';

interface Case {
  readonly name: string;
  readonly yaml: string;
  readonly env?: Record<string, string>;
  /** The field the single line must name, and words of the fix it must contain. */
  readonly field: string;
  readonly mentions: RegExp;
}

const dir = tempDir();
// A directory cannot be read as a file even by root (permission bits would not stop root).
const unreadable = join(dir, 'key-is-a-directory');
mkdirSync(unreadable);

const cases: Case[] = [
  { name: 'missing sinks', yaml: GOOD_SOURCE, field: 'sinks', mentions: /at least one sink/ },
  { name: 'empty sinks', yaml: GOOD_SOURCE + 'sinks: {}\n', field: 'sinks', mentions: /at least one sink/ },
  {
    name: 'unknown key (typo)',
    yaml: GOOD_SOURCE.replace('api_key:', 'api_kye: x\n  api_key:') + FILE_SINK,
    field: 'source',
    mentions: /unknown key "api_kye" \(did you mean "api_key"\?\)/,
  },
  {
    name: 'unknown key in a sink',
    yaml: GOOD_SOURCE + 'sinks:\n  archive: { type: file, path: ./e.jsonl, fromat: ocsf }\n',
    field: 'sinks.archive',
    mentions: /did you mean "format"/,
  },
  {
    name: 'bad duration',
    yaml: GOOD_SOURCE + '  poll_interval: 30 sec\n' + FILE_SINK,
    field: 'source.poll_interval',
    mentions: /not a duration.*"30s"/,
  },
  {
    name: 'bad size',
    yaml: GOOD_SOURCE + 'sinks:\n  archive: { type: file, path: ./e.jsonl, batch: { max_bytes: lots } }\n',
    field: 'sinks.archive.batch.max_bytes',
    mentions: /not a size/,
  },
  {
    name: 'missing env var',
    yaml: 'source:\n  base_url: http://127.0.0.1:9\n  api_key: ${CAF_TEST_UNSET_KEY}\n' + FILE_SINK,
    field: 'source.api_key',
    mentions: /CAF_TEST_UNSET_KEY is not set/,
  },
  {
    name: 'unreadable secret file',
    yaml: `source:\n  base_url: http://127.0.0.1:9\n  api_key_file: ${unreadable}\n` + FILE_SINK,
    field: 'source.api_key_file',
    mentions: /cannot read secret file/,
  },
  {
    name: 'missing secret file',
    yaml: `source:\n  base_url: http://127.0.0.1:9\n  api_key_file: ${join(dir, 'nope')}\n` + FILE_SINK,
    field: 'source.api_key_file',
    mentions: /cannot read secret file/,
  },
  {
    name: 'missing api key',
    yaml: 'source:\n  base_url: http://127.0.0.1:9\n' + FILE_SINK,
    field: 'source.api_key',
    mentions: /api_key_file/,
  },
  {
    name: 'unknown sink type',
    yaml: GOOD_SOURCE + 'sinks:\n  s: { type: splunk }\n',
    field: 'sinks.s.type',
    mentions: /one of: .*file/,
  },
  {
    name: 'page_size over the API limit',
    yaml: GOOD_SOURCE + '  page_size: 9000\n' + FILE_SINK,
    field: 'source.page_size',
    mentions: /1\.\.5000/,
  },
  {
    name: 'plain http to a remote API',
    yaml: 'source:\n  base_url: http://api.example.com\n  api_key: sk-ant-api01-x\n' + FILE_SINK,
    field: 'source.base_url',
    mentions: /https/,
  },
  {
    name: 'both activity filters',
    yaml: GOOD_SOURCE + '  activity_types: [a]\n  exclude_activity_types: [b]\n' + FILE_SINK,
    field: 'source.exclude_activity_types',
    mentions: /cannot be combined/,
  },
  { name: 'invalid YAML', yaml: 'source: [oops\n', field: 'config', mentions: /invalid YAML/ },
];

for (const c of cases) {
  test(`validate refuses ${c.name} with exit 2 and one line naming ${c.field}`, async () => {
    const path = writeConfig(dir, c.yaml, `${c.name.replace(/\W+/g, '-')}.yaml`);
    const r = await runCli(['validate', '-c', path], { env: { CAF_TEST_UNSET_KEY: '', ...c.env } });
    assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `exactly one line, got:\n${r.stderr}`);
    assert.ok(lines[0].includes(c.field), `names ${c.field}: ${lines[0]}`);
    assert.match(lines[0], c.mentions);
    assert.equal(r.stdout, '');
  });
}

test('run refuses a bad config the same way, before starting anything', async () => {
  const path = writeConfig(dir, GOOD_SOURCE + '  lookback: soon\n' + FILE_SINK, 'run-bad.yaml');
  const r = await runCli(['run', '--once', '-c', path]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr.trim(),
    /^claude-audit-forwarder: config error: source\.lookback: "soon" is not a duration/,
  );
});

test('a valid config passes with exit 0', async () => {
  const path = writeConfig(dir, GOOD_SOURCE + FILE_SINK, 'good.yaml');
  const r = await runCli(['validate', '-c', path]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid; .*archive \(file\)/);
});

test('a secret given through an env var never shows in a config error', async () => {
  const secret = 'sk-ant-api01-THIS-IS-SECRET-123456';
  const path = writeConfig(
    dir,
    'source:\n  base_url: http://127.0.0.1:9\n  api_key: ${CAF_SECRET}\n  poll_interval: ${CAF_SECRET}\n' +
      FILE_SINK,
    'secret.yaml',
  );
  const r = await runCli(['validate', '-c', path], { env: { CAF_SECRET: secret } });
  assert.equal(r.code, 2);
  assert.ok(!r.stderr.includes(secret), r.stderr);
  assert.match(r.stderr, /\[REDACTED\]/);
});
