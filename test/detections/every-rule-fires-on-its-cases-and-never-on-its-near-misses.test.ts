import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';
import { buildCases, caseFiles, evaluateCases, findSigmaVenv, ruleFiles } from './support/sigma';

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
  'each rule fires on every firing case and on no near-miss, as the forwarder delivers them',
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
        sinks: { events: { type: 'file', path: join(dir, 'events.jsonl'), format: 'ocsf' } },
        log: { level: 'warn' },
      });
      const run = await runCli(['run', '--once', '-c', config]);
      assert.equal(run.code, 0, run.stderr);
      const delivered = new Map(
        readJsonl<{ metadata: { uid: string } }>(join(dir, 'events.jsonl')).map((e) => [e.metadata.uid, e]),
      );
      assert.equal(delivered.size, activities.length, 'every case activity delivered');
      const results = evaluateCases(venv, cases, (a) => delivered.get(a.id) as Record<string, unknown>);
      const wrong = results
        .filter((r) => r.fired !== (r.kind === 'fire'))
        .map((r) => `${r.rule} ${r.kind}[${r.index}] ${r.fired ? 'fired' : 'stayed quiet'}`);
      assert.deepEqual(wrong, []);
      const fired = results.filter((r) => r.kind === 'fire').length;
      const quiet = results.filter((r) => r.kind === 'quiet').length;
      t.diagnostic(
        `${results.length} cases (${activities.length} activities): ${fired} firing, ${quiet} near-misses, ${ruleFiles().size} rule files`,
      );
      assert.ok(fired >= 40 && quiet >= 40);
    } finally {
      await sim.close();
    }
  },
);
