import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caseFiles, evaluateCases, findSigmaVenv, ruleFiles } from './support/sigma';

/**
 * Issue #24: every rule has activities that must fire it and near-misses that must not.
 * The activities go through our real OCSF normalizer; pySigma parses each rule and
 * detections/tools/evaluate.py walks the parsed condition (correlations: Sigma's sliding
 * windows). Engine-free: this proves the rules' logic and OCSF field names, not the
 * converted queries (those still need a real Elasticsearch/OpenSearch).
 */
test('every rule file has a test case file with at least one firing case and one near-miss', () => {
  const rules = [...ruleFiles().keys()];
  const cases = caseFiles();
  assert.deepEqual([...cases.keys()], rules, 'detections/tests/ must have one file per rule file');
  for (const [name, spec] of cases) {
    assert.equal(spec.rule, name);
    assert.ok(spec.fire.length > 0, `${name}: no firing case`);
    assert.ok(spec.quiet.length > 0, `${name}: no near-miss`);
  }
});

test('each rule fires on every firing case and on no near-miss', { timeout: 600_000 }, (t) => {
  const venv = findSigmaVenv();
  if (venv === undefined) return t.skip('pySigma venv unavailable');
  const results = evaluateCases(venv, caseFiles());
  const wrong = results
    .filter((r) => r.fired !== (r.kind === 'fire'))
    .map((r) => `${r.rule} ${r.kind}[${r.index}] ${r.fired ? 'fired' : 'stayed quiet'}`);
  assert.deepEqual(wrong, []);
  const fired = results.filter((r) => r.kind === 'fire').length;
  const quiet = results.filter((r) => r.kind === 'quiet').length;
  t.diagnostic(
    `${results.length} cases: ${fired} firing, ${quiet} near-misses, over ${ruleFiles().size} rule files`,
  );
  assert.ok(fired >= 40 && quiet >= 40);
});
