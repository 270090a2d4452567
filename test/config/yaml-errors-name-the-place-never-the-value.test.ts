import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * A secret pasted unquoted into YAML is often what breaks the parse: `*` starts an alias,
 * `!` a tag, `&` an anchor, `@` cannot start a value. The refusal is exit 2 and one line that
 * names the file, line and column and says how to fix it, and never quotes the value.
 */

const SECRET = 'Zq8rT2vK9mW4xY7p';
const FILE_SINK = 'sinks:\n  archive: { type: file, path: ./events.jsonl }\n';
const source = (apiKeyLine: string): string => `source:\n  base_url: http://127.0.0.1:9\n${apiKeyLine}\n`;

const cases: { name: string; yaml: string; at: string; mentions: RegExp }[] = [
  {
    name: 'a secret starting with * (read as an alias)',
    yaml: source(`  api_key: *${SECRET}`) + FILE_SINK,
    at: ':3:12',
    mentions: /starting with \* is read as a YAML alias; put the value in quotes/,
  },
  {
    name: 'a secret starting with ! (read as a tag)',
    yaml: source(`  api_key: !${SECRET} x`) + FILE_SINK,
    at: ':3:12',
    mentions: /starting with ! is read as a YAML tag/,
  },
  {
    name: 'a secret starting with & then another anchor',
    yaml: source(`  api_key: &${SECRET} &b x`) + FILE_SINK,
    at: ':3:',
    mentions: /anchor/,
  },
  {
    name: 'a secret starting with @',
    yaml: source(`  api_key: @${SECRET}`) + FILE_SINK,
    at: ':3:',
    mentions: /cannot start with @/,
  },
  {
    name: 'a bad escape in a double-quoted secret',
    yaml: source(`  api_key: "${SECRET}\\q${SECRET}"`) + FILE_SINK,
    at: ':3:',
    mentions: /invalid \\ escape; use single quotes/,
  },
  {
    name: 'a tab indenting a secret',
    yaml: `source:\n\tapi_key: ${SECRET}\n` + FILE_SINK,
    at: ':2:',
    mentions: /tabs cannot indent YAML/,
  },
  {
    name: 'a secret holding ": "',
    yaml: source(`  api_key: ${SECRET}: ${SECRET}`) + FILE_SINK,
    at: ':3:',
    mentions: /contains ": "/,
  },
  {
    name: 'an unterminated quoted secret',
    yaml: source(`  api_key: "${SECRET}`),
    at: ':',
    mentions: /invalid YAML/,
  },
];

const dir = tempDir('caf-yaml-');

for (const c of cases) {
  test(`${c.name}: validate and run exit 2 naming the place, without the value`, async () => {
    const path = writeConfig(dir, c.yaml, `${c.name.replace(/\W+/g, '-')}.yaml`);
    for (const args of [
      ['validate', '-c', path],
      ['run', '--once', '-c', path],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0].startsWith(`claude-audit-forwarder: config error: ${path}${c.at}`), lines[0]);
      assert.match(lines[0], /invalid YAML/);
      assert.match(lines[0], c.mentions);
      assert.ok(
        !(r.stdout + r.stderr).includes(SECRET.slice(0, 6)),
        `${args[0]} echoed the value: ${r.stderr}`,
      );
    }
  });
}
