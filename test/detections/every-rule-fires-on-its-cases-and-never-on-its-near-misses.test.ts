import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';
import {
  buildCases,
  caseFiles,
  evaluateCases,
  findSigmaVenv,
  ruleFiles,
  type CaseResult,
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

function failures(results: readonly CaseResult[]): string[] {
  return results
    .filter((r) => r.fired !== (r.kind === 'fire'))
    .map((r) => `${r.rule} ${r.kind}[${r.index}] ${r.fired ? 'fired' : 'stayed quiet'}`);
}

test(
  'each rule fires on every firing case and on no near-miss, as the forwarder delivers them in OCSF and in ECS',
  { timeout: 600_000 },
  async (t) => {
    const venv = findSigmaVenv();
    if (venv === undefined) return t.skip('pySigma venv unavailable');
    // Two days back: the longest case (the 24 h correlation's near-miss) spans 26 h.
    const cases = buildCases(caseFiles(), Date.now() - 2 * 86_400_000);
    const activities = cases.flatMap((c) => c.activities);
    const sim = await startSimulator({ seed: 24, selfEvents: false });
    const dir = tempDir();
    try {
      sim.append(activities);
      const config = writeConfig(dir, {
        source: { base_url: sim.url, api_key: sim.apiKey, page_size: 500, start_at: '3d' },
        checkpoint: { path: join(dir, 'checkpoint.json') },
        dead_letter: { path: join(dir, 'dead.jsonl') },
        sinks: {
          ocsf: { type: 'file', path: join(dir, 'ocsf.jsonl'), format: 'ocsf' },
          ecs: { type: 'file', path: join(dir, 'ecs.jsonl'), format: 'ecs' },
        },
        log: { level: 'warn' },
      });
      const run = await runCli(['run', '--once', '-c', config]);
      assert.equal(run.code, 0, run.stderr);
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
    } finally {
      await sim.close();
    }
  },
);
