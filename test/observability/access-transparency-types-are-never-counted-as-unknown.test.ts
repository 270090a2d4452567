import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { ACCESS_TRANSPARENCY_TYPES } from '../../src/source/access-transparency/activity';
import { readJsonl, tempDir, writeConfig } from '../support/forwarder';
import { eventually, scrape, startForwarder } from './support/scrape';

/**
 * Issue #17: Access Transparency records (`anthropic_access`, `cmek_preserve`) are missing
 * from the Activity Feed's type catalogue, yet they are the records a hospital most wants to
 * see: they must never show as "unknown activity types" (a metric and an info alert that
 * say "deserves a mapping"). Types truly newer than the catalogue still do. A real forwarder
 * (the CLI) reading a backlog rich in staff-access records, read from /metrics.
 */
const P = 'claude_audit_forwarder_';

test(
  'Access Transparency types are delivered and never counted in unknown_activity_types_total',
  { timeout: 120_000 },
  async () => {
    const sim = await startSimulator({
      seed: 23,
      backlog: 400,
      staffAccessRate: 0.2,
      futureTypeRate: 0.05,
      accessTransparency: { visibilityDelay: { lateRate: 0 } },
      selfEvents: false,
    });
    const dir = tempDir('caf-at-known-');
    const events = join(dir, 'events.jsonl');
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 100,
        start_at: '48h',
        poll_interval: '1s',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: { archive: { type: 'file', path: events, format: 'raw' } },
      metrics: { listen: '127.0.0.1:0' },
      log: { level: 'info', format: 'json' },
    });
    const fwd = await startForwarder(['run', '-c', config]);
    try {
      const s = await eventually(
        () => scrape(fwd.base),
        (m) => m.count(`${P}delivered_total`, { sink: 'archive' }) >= 400,
        60_000,
        'the backlog to be delivered',
      );
      const delivered = readJsonl<{ type: string }>(events);
      const staff = delivered.filter((a) =>
        (ACCESS_TRANSPARENCY_TYPES as readonly string[]).includes(a.type),
      );
      assert.ok(staff.length >= 20, `staff-access records were delivered (${staff.length})`);
      const unknown = s.all(`${P}unknown_activity_types_total`).map((u) => u.labels.type);
      assert.ok(unknown.length > 0, 'types newer than the catalogue are still counted');
      for (const type of ACCESS_TRANSPARENCY_TYPES)
        assert.ok(!unknown.includes(type), `${type} is not an unknown type: ${unknown.join(', ')}`);
    } finally {
      fwd.child.kill('SIGKILL');
      await fwd.exited;
      await sim.close();
    }
  },
);
