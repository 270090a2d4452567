import { test } from 'node:test';
import assert from 'node:assert/strict';
import { helm } from './support/helm';

/**
 * A typo in `values.config` stops `helm lint` and `helm template` (and so `helm install`)
 * with the field's path, instead of rendering and crashing the new pod. No secret is needed:
 * the shipped values reference theirs by `*_file`.
 */

const TYPOS: readonly { what: string; set: Record<string, unknown>; says: RegExp }[] = [
  {
    what: 'an unknown key',
    set: { 'config.source.pol_interval': '5s' },
    says: /config\.source: Additional property pol_interval is not allowed/,
  },
  {
    what: 'a wrong type',
    set: { 'config.source.page_size': 'many' },
    says: /config\.source\.page_size: Invalid type\. Expected: integer, given: string/,
  },
  {
    what: 'an unknown key in a sink',
    set: {
      'config.sinks.splunk': {
        type: 'splunk_hec',
        endpoint: 'https://splunk.example.com:8088',
        token_file: '/var/run/secrets/claude-audit-forwarder/hec_token',
        indx: 'audit',
      },
    },
    says: /config\.sinks\.splunk: Additional property indx is not allowed/,
  },
  {
    what: 'an unknown top-level section',
    set: { 'config.sink': {} },
    says: /config: Additional property sink is not allowed/,
  },
];

const setArgs = (set: Record<string, unknown>): string[] =>
  Object.entries(set).flatMap(([k, v]) => ['--set-json', `${k}=${JSON.stringify(v)}`]);

for (const typo of TYPOS) {
  test(`helm lint and helm template fail on ${typo.what} in values.config, naming the field`, () => {
    const lint = helm(['lint', '.', '-f', 'ci/splunk-values.yaml', ...setArgs(typo.set)]);
    assert.notEqual(lint.code, 0, 'helm lint passed');
    assert.match(lint.stdout + lint.stderr, typo.says);
    const template = helm(['template', 'caf', '.', '-f', 'ci/splunk-values.yaml', ...setArgs(typo.set)]);
    assert.notEqual(template.code, 0, 'helm template rendered');
    assert.match(template.stderr, typo.says);
  });
}

test('the shipped values pass helm lint and helm template without any secret', () => {
  for (const files of [[], ['-f', 'ci/splunk-values.yaml'], ['-f', 'examples/production-values.yaml']]) {
    const lint = helm(['lint', '.', ...files]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const template = helm(['template', 'caf', '.', ...files]);
    assert.equal(template.code, 0, template.stderr);
  }
});
