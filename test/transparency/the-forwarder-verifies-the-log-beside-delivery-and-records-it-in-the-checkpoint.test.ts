import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { TEST_LOG_KEY } from '../../src/simulator/log-key';
import type { CheckpointState } from '../../src/checkpoint/state';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';
import { eventually, scrape, startForwarder } from '../observability/support/scrape';

/**
 * Issue #25: the daemon verifies the log on its own schedule beside delivery. A checkpoint
 * written before the verifier existed (no `transparency_log` section) resumes as it was;
 * the section appears after the first run, `checkpoint show` prints it, the gauges report
 * it, and every activity is still delivered exactly once.
 */
const P = 'claude_audit_forwarder_';

test(
  'a checkpoint without a transparency_log section resumes, gains one, and delivery is unchanged',
  { timeout: 180_000 },
  async () => {
    const sim = await startSimulator({
      seed: 33,
      backlog: 300,
      staffAccessRate: 0.2,
      accessTransparency: { visibilityDelay: { lateRate: 0 } },
      selfEvents: false,
    });
    const dir = tempDir('caf-verify-daemon-');
    const checkpointPath = join(dir, 'checkpoint.json');
    const events = join(dir, 'events.jsonl');
    const config = (accessTransparency: Record<string, unknown>): string =>
      writeConfig(dir, {
        source: {
          base_url: sim.url,
          api_key: sim.apiKey,
          start_at: '48h',
          poll_interval: '1s',
          max_requests_per_minute: 600,
          access_transparency: { verify_interval: '2s', ...accessTransparency },
        },
        checkpoint: { path: checkpointPath },
        dead_letter: { path: join(dir, 'dead-letter.jsonl') },
        sinks: { archive: { type: 'file', path: events, format: 'raw' } },
        metrics: { listen: '127.0.0.1:0' },
        log: { level: 'info', format: 'json' },
      });
    const checkpoint = (): CheckpointState =>
      JSON.parse(readFileSync(checkpointPath, 'utf8')) as CheckpointState;
    try {
      // Before: no organization UUID, so nothing is verified and the checkpoint has no section.
      let fwd = await startForwarder(['run', '-c', config({})]);
      await eventually(
        () => scrape(fwd.base),
        (m) => m.count(`${P}delivered_total`, { sink: 'archive' }) >= 300,
        60_000,
        'the backlog to be delivered',
      );
      fwd.child.kill('SIGTERM');
      await fwd.exited;
      assert.equal(checkpoint().transparency_log, undefined);

      const indexed = sim
        .allActivities()
        .filter((a) => typeof a.transparency_log_leaf_index === 'number').length;
      assert.ok(indexed >= 30, `the backlog holds staff-access records (${indexed})`);
      fwd = await startForwarder([
        'run',
        '-c',
        config({ organization_uuid: sim.tenant.organizationUuid, trusted_keys: [TEST_LOG_KEY.fingerprint] }),
      ]);
      const m = await eventually(
        () => scrape(fwd.base),
        (s) => s.count(`${P}transparency_log_verified_events`) >= indexed,
        60_000,
        'every served event to be proven',
      );
      assert.equal(m.count(`${P}transparency_log_verified_size`), sim.transparencyLog.size(Date.now()));
      assert.equal(m.count(`${P}transparency_log_verification_failures_total`), 0);
      assert.ok(m.count(`${P}transparency_log_verification_runs_total`, { outcome: 'clean' }) >= 1);
      fwd.child.kill('SIGTERM');
      await fwd.exited;

      const section = checkpoint().transparency_log;
      assert.equal(section?.size, sim.transparencyLog.size(Date.now()));
      assert.match(
        section?.checkpoint ?? '',
        new RegExp(`^axt\\.anthropic\\.com/${sim.tenant.organizationUuid}\\n`),
      );
      const shown = await runCli(['checkpoint', 'show', '-c', config({})]);
      assert.match(shown.stdout, /log verified last run .*: clean; verified size \d+ .*findings: none/);

      const ids = readJsonl<{ id: string }>(events).map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'nothing delivered twice');
      assert.equal(ids.length, sim.allIds().length, 'everything delivered');
    } finally {
      await sim.close();
    }
  },
);
