import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeCertificates } from '../support/certs';
import { tempDir } from '../support/forwarder';
import { sentinelSinkSettings, startSentinelReceiver } from '../support/sentinel-receiver';
import { buildCases, caseFiles, deliverCases, evaluateCases, findSigmaVenv, failures } from './support/sigma';

/**
 * Issue #24: the rules through pipelines/claude_sentinel.yml (what dist/sentinel is built
 * from) fire on every firing case and on no near-miss, evaluated over the rows of
 * ClaudeAudit_CL as the real forwarder's Sentinel sink delivers them to the strict Logs
 * Ingestion receiver (which keeps only the declared columns, as Azure does). Engine-free, like
 * the OCSF and ECS evaluation: it proves the column and Activity-path mapping on real rows, not
 * the KQL text. Correlations are evaluated too, though the Kusto backend does not convert them.
 */
test(
  'each rule fires on every firing case and on no near-miss, on the rows the Sentinel sink writes',
  { timeout: 600_000 },
  async (t) => {
    const venv = findSigmaVenv();
    if (venv === undefined) return t.skip('pySigma venv unavailable');
    const dir = tempDir();
    const certDir = join(dir, 'certs');
    mkdirSync(certDir);
    const certs = makeCertificates({ dir: certDir });
    const receiver = await startSentinelReceiver({ certs });
    try {
      // Two days back: the longest case (the 24 h correlation's near-miss) spans 26 h.
      const cases = buildCases(caseFiles(), Date.now() - 2 * 86_400_000);
      await deliverCases(cases, { sentinel: sentinelSinkSettings(receiver, certs.caFile) }, dir);
      const rows = new Map(receiver.rows.map(({ row }) => [row.ActivityId, row]));
      const activities = cases.flatMap((c) => c.activities);
      assert.equal(rows.size, activities.length, 'every case activity delivered as a row');

      const results = evaluateCases(venv, cases, (a) => rows.get(a.id) as Record<string, unknown>, [
        'claude_sentinel',
      ]);
      assert.deepEqual(failures(results), [], 'Sentinel rows');
      t.diagnostic(`${results.length} cases (${activities.length} rows) through claude_sentinel.yml`);
      assert.ok(results.filter((r) => r.kind === 'fire').length >= 40);
    } finally {
      await receiver.stop();
    }
  },
);
