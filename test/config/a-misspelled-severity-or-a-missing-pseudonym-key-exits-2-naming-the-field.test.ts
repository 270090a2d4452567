import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

const SOURCE = 'source:\n  base_url: http://127.0.0.1:9\n  api_key: sk-ant-api01-test-key\n';
const sink = (block: string) =>
  `sinks:\n  siem:\n    type: file\n    path: /tmp/never-written-siem.jsonl\n${block}`;

const cases: { name: string; yaml: string; field: string; mentions: RegExp }[] = [
  {
    name: 'a misspelled min_severity',
    yaml: sink('    filter: { min_severity: meduim }\n'),
    field: 'sinks.siem.filter.min_severity',
    mentions: /informational, low, medium, high, critical/,
  },
  {
    name: 'pseudonymize_fields without a key',
    yaml: sink('    privacy: { pseudonymize_fields: [actor.email_address] }\n'),
    field: 'sinks.siem.privacy.pseudonymize_key',
    mentions: /pseudonymize_key_file/,
  },
  {
    name: 'a pseudonymize_key_file that does not exist',
    yaml: sink(
      '    privacy: { pseudonymize_fields: [actor.email_address], pseudonymize_key_file: /nonexistent/pseudonym-key }\n',
    ),
    field: 'sinks.siem.privacy.pseudonymize_key_file',
    mentions: /cannot read secret file/,
  },
  {
    name: 'dropping the id',
    yaml: sink('    privacy: { drop_fields: [id] }\n'),
    field: 'sinks.siem.privacy.drop_fields[0]',
    mentions: /cannot be dropped or rewritten/,
  },
  {
    name: 'a typo in the filter block',
    yaml: sink('    filter: { activity_type: [org_*] }\n'),
    field: 'sinks.siem.filter',
    mentions: /unknown key "activity_type"/,
  },
];

for (const c of cases) {
  test(`validate and run refuse ${c.name} with exit 2, one line naming ${c.field}`, async () => {
    const dir = tempDir('caf-routing-config-');
    const path = writeConfig(dir, SOURCE + c.yaml);
    for (const args of [['validate'], ['run', '--once']]) {
      const r = await runCli([...args, '-c', path]);
      assert.equal(r.code, 2, `${args[0]}: exit code; stderr: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `exactly one line, got:\n${r.stderr}`);
      assert.ok(lines[0].includes(c.field), `names ${c.field}: ${lines[0]}`);
      assert.match(lines[0], c.mentions);
    }
  });
}
