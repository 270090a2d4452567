import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../support/forwarder';
import { repoFiles } from '../support/repo-files';
import { explainApiError } from '../../src/source/api-errors';

/**
 * spec/compliance-api.md "Endpoint and auth": a Compliance Access Key (`sk-ant-api01-…`)
 * with `read:compliance_activities`, an Admin key (`sk-ant-admin01-…`), or a key with
 * `read:org_audit` reads the feed. The docs once disagreed on which key to request: every
 * page that says which to request names the same one, and no page names a key kind or a
 * scope the API does not have.
 */
const KEY_PREFIXES = new Set(['sk-ant-api01', 'sk-ant-admin01']);
const SCOPES = new Set([
  'read:compliance_activities',
  'read:org_audit',
  'read:compliance_user_data',
  'read:compliance_org_data',
]);
const TO_REQUEST = /Compliance Access Key \(`?sk-ant-api01-…`?[^.]{0,20}?`?read:compliance_activities`?/;

/** Where a person is told which key to create. */
const ADVICE = ['README.md', 'SECURITY.md', 'docs/kubernetes.md', 'docs/data-flow.md'];

function pages(): string[] {
  return repoFiles(['docs', 'helm', 'deploy', 'config'], /\.(md|ya?ml)$/);
}

test('every page names only key kinds and scopes the Compliance API has', () => {
  const unknown: string[] = [];
  for (const file of pages()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bsk-ant-[a-z]+\d*/g))
      if (!KEY_PREFIXES.has(m[0])) unknown.push(`${relative(REPO_ROOT, file)}: ${m[0]}`);
    for (const m of text.matchAll(/\bread:[a-z_]+/g))
      if (!SCOPES.has(m[0])) unknown.push(`${relative(REPO_ROOT, file)}: ${m[0]}`);
  }
  assert.deepEqual(unknown, []);
});

test('every page that says which key to create, and the refusal of a key, ask for a Compliance Access Key with read:compliance_activities', () => {
  for (const page of ADVICE) {
    // A YAML comment may carry the advice on to its next line.
    const text = readFileSync(join(REPO_ROOT, page), 'utf8').replace(/\n\s*#\s*/g, ' ');
    assert.ok(
      TO_REQUEST.test(text),
      `${page} does not ask for a Compliance Access Key with read:compliance_activities`,
    );
  }
  assert.match(explainApiError(401, 'authentication_error', ''), TO_REQUEST);
});
