import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ocsfSeverityId } from '../../src/normalize';
import type { Activity } from '../../src/source/activity';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';
import { startEveryTypeSimulator } from './support/every-type';

/** What each sink's filter selects, written out independently of the forwarder's own matcher. */
const SELECTS: Record<string, (a: Activity, orgUuid: string) => boolean> = {
  siem: (a) =>
    (/^org_/.test(a.type) || /_api_key_/.test(a.type) || a.type === 'anthropic_access') &&
    a.type !== 'compliance_api_accessed' &&
    ocsfSeverityId(a) >= 3 &&
    ocsfSeverityId(a) <= 6,
  tenant: (a, orgUuid) => a.organization_uuid === orgUuid,
  staff: (a) => a.type === 'anthropic_access',
  all: () => true,
};

/**
 * Four file sinks over one feed holding every documented type: one with types (globs),
 * an exclusion and a minimum severity, one with an organization, one whose exclusion glob
 * takes back part of its inclusion, one with no filter. After `run --once`, each file holds
 * exactly the activities its filter selects, each once.
 */
test('each sink receives exactly the activities its filter selects, every documented type tried', async () => {
  const sim = await startEveryTypeSimulator(201);
  const dir = tempDir('caf-filter-');
  try {
    const file = (name: string) => join(dir, `${name}.jsonl`);
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 500,
        start_at: '2h',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: {
        siem: {
          type: 'file',
          path: file('siem'),
          format: 'raw',
          filter: {
            activity_types: ['org_*', '*_api_key_*', 'anthropic_access'],
            exclude_activity_types: ['compliance_api_accessed'],
            min_severity: 'medium',
          },
        },
        tenant: {
          type: 'file',
          path: file('tenant'),
          format: 'raw',
          filter: { organization_ids: [sim.tenant.organizationUuid] },
        },
        staff: {
          type: 'file',
          path: file('staff'),
          format: 'raw',
          filter: {
            activity_types: ['anthropic_access', 'cmek_?reserve'],
            exclude_activity_types: ['cmek_*'],
          },
        },
        all: { type: 'file', path: file('all'), format: 'raw' },
      },
      metrics: { enabled: false },
      log: { level: 'warn' },
    });
    const r = await runCli(['run', '--once', '-c', config], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const served = sim.allActivities();
    for (const [sink, selects] of Object.entries(SELECTS)) {
      const expected = served.filter((a) => selects(a, sim.tenant.organizationUuid)).map((a) => a.id);
      const got = readJsonl<{ id: string }>(file(sink)).map((a) => a.id);
      assert.ok(
        expected.length > 0 && (sink === 'all' || expected.length < served.length),
        `${sink} selects a part`,
      );
      assert.deepEqual(
        [...got].sort(),
        [...expected].sort(),
        `${sink} holds exactly its selection, each once`,
      );
    }
  } finally {
    await sim.close();
  }
});
