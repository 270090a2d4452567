import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readJsonl, tempDir } from '../support/forwarder';
import {
  buildCases,
  caseFiles,
  deliverCases,
  evaluateCases,
  failures,
  findSigmaVenv,
  ruleFiles,
} from './support/sigma';

/**
 * Issue #24: every rule has activities that must fire it and near-misses that must not.
 * The simulator serves them (append), the real forwarder delivers them as OCSF to a file
 * sink, pySigma parses each rule and detections/tools/evaluate.py walks the parsed
 * condition over the delivered events (correlations: Sigma's sliding windows). Engine-free:
 * this proves the rules' logic and field names on the forwarder's real output, not the
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

test(
  'each rule fires on every firing case and on no near-miss, as the forwarder delivers them in OCSF and in ECS',
  { timeout: 600_000 },
  async (t) => {
    const venv = findSigmaVenv();
    if (venv === undefined) return t.skip('pySigma venv unavailable');
    // Two days back: the longest case (the 24 h correlation's near-miss) spans 26 h.
    const cases = buildCases(caseFiles(), Date.now() - 2 * 86_400_000);
    const activities = cases.flatMap((c) => c.activities);
    const dir = tempDir();
    await deliverCases(
      cases,
      {
        ocsf: { type: 'file', path: join(dir, 'ocsf.jsonl'), format: 'ocsf' },
        ecs: { type: 'file', path: join(dir, 'ecs.jsonl'), format: 'ecs' },
      },
      dir,
    );
    const ocsf = new Map(
      readJsonl<{ metadata: { uid: string } }>(join(dir, 'ocsf.jsonl')).map((e) => [e.metadata.uid, e]),
    );
    const ecs = new Map(
      readJsonl<{ event: { id: string } }>(join(dir, 'ecs.jsonl')).map((e) => [e.event.id, e]),
    );
    assert.equal(ocsf.size, activities.length, 'every case activity delivered as OCSF');
    assert.equal(ecs.size, activities.length, 'every case activity delivered as ECS');

    // The rules as written, on the OCSF events.
    const results = evaluateCases(venv, cases, (a) => ocsf.get(a.id) as Record<string, unknown>);
    assert.deepEqual(failures(results), [], 'OCSF');
    // The rules through pipelines/claude_ecs.yml (what Elastic and OpenSearch run), on the ECS documents.
    const viaEcs = evaluateCases(venv, cases, (a) => ecs.get(a.id) as Record<string, unknown>, [
      'claude_ecs',
    ]);
    assert.deepEqual(failures(viaEcs), [], 'ECS');

    const fired = results.filter((r) => r.kind === 'fire').length;
    const quiet = results.filter((r) => r.kind === 'quiet').length;
    t.diagnostic(
      `${results.length} cases (${activities.length} activities): ${fired} firing, ${quiet} near-misses, ${ruleFiles().size} rule files; each in OCSF and in ECS`,
    );
    assert.ok(fired >= 40 && quiet >= 40);
  },
);
