import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir, writeConfig } from '../support/forwarder';

const KEY = 'a-pseudonym-key-nobody-may-see';

/**
 * `validate` says per sink what it takes and hides, in one line each. A type glob that
 * matches no documented type, and a privacy path no documented type has, are warnings with
 * the nearest type names — not errors, since new types and fields appear every month — and
 * the pseudonym key is never printed.
 */
test('validate prints one routing line per sink, and warns of unmatched globs and paths with the nearest names', async () => {
  const dir = tempDir('caf-routing-summary-');
  writeFileSync(join(dir, 'pseudonym-key'), `${KEY}\n`, { mode: 0o600 });
  const path = writeConfig(dir, {
    source: { base_url: 'http://127.0.0.1:9', api_key: 'sk-ant-api01-test-key' },
    sinks: {
      siem: {
        type: 'file',
        path: join(dir, 'siem.jsonl'),
        filter: {
          activity_types: ['org_*', '*_api_key_*', 'anthropic_access', 'org_membr_*'],
          exclude_activity_types: ['compliance_api_accessed'],
          min_severity: 'medium',
        },
        privacy: {
          drop_fields: ['request_body', 'actor.user_agnt'],
          pseudonymize_fields: ['actor.email_address', 'actor.ip_address'],
          pseudonymize_key_file: join(dir, 'pseudonym-key'),
        },
      },
      archive: { type: 'file', path: join(dir, 'archive.jsonl') },
    },
  });
  const r = await runCli(['validate', '-c', path]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^ {2}siem: \d+ of 521 types, min severity medium, drops 2 fields, pseudonymizes 2$/m,
  );
  assert.match(r.stdout, /^ {2}archive: all 521 types$/m);
  const warnings = r.stderr.trim().split('\n');
  assert.equal(warnings.length, 2, r.stderr);
  assert.match(
    warnings[0],
    /warning: sinks\.siem\.filter\.activity_types\[3\]: "org_membr_\*" matches no documented activity type \(nearest: org_member_[a-z_]+, /,
  );
  assert.match(
    warnings[1],
    /warning: sinks\.siem\.privacy\.drop_fields\[1\]: no documented activity type has "actor\.user_agnt"/,
  );
  assert.ok(!r.stdout.includes(KEY) && !r.stderr.includes(KEY), 'the key is never printed');
});
