import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { tempDir, writeConfig } from '../support/forwarder';
import { startHostileApi } from '../support/hostile-api';
import { eventually, readyz, scrape, startForwarder } from './support/scrape';

/**
 * Issue #15: a body trickling a byte every two seconds held polling for good while /readyz
 * said ready. Now the source turns red once no request has succeeded for 2 × (poll_interval +
 * request_timeout), saying why, and green again when a page is read; the lag keeps growing
 * meanwhile. A real forwarder (the CLI) against a front that trickles the simulator's pages.
 */
const P = 'claude_audit_forwarder_';

test(
  '/readyz turns red for the source when no request succeeds for 2 × (poll_interval + request_timeout), and green again after',
  { timeout: 120_000 },
  async () => {
    const sim = await startSimulator({ seed: 19, backlog: 30, selfEvents: false });
    const hostile = await startHostileApi(sim.url);
    const dir = tempDir('caf-stale-');
    const config = writeConfig(dir, {
      source: {
        base_url: hostile.url,
        api_key: sim.apiKey,
        page_size: 100,
        start_at: '1h',
        poll_interval: '1s',
        request_timeout: '1s',
        max_requests_per_minute: 600,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
      metrics: { listen: '127.0.0.1:0' },
      log: { level: 'info', format: 'json' },
    });
    const fwd = await startForwarder(['run', '-c', config]);
    try {
      await eventually(
        () => readyz(fwd.base),
        (r) => r.status === 200,
        30_000,
        '/readyz to turn green',
      );
      // Every answer trickles from now on, for a while: each request dies at its deadline.
      hostile.play(Array.from({ length: 6 }, () => 'trickle' as const));
      const red = await eventually(
        () => readyz(fwd.base),
        (r) =>
          r.status === 503 &&
          /no Compliance API request has succeeded for \d+s/.test(r.report.checks.source.detail ?? ''),
        30_000,
        '/readyz to turn red naming the source',
      );
      assert.deepEqual(red.report.failing, ['source']);
      const lag = (await scrape(fwd.base)).get(`${P}source_lag_seconds`) ?? 0;
      assert.ok(lag >= 4, `source_lag_seconds ${lag} grows while nothing is read`);
      await eventually(
        () => readyz(fwd.base),
        (r) => r.status === 200,
        90_000,
        '/readyz to turn green once a page is read again',
      );
    } finally {
      await fwd.kill9();
      await hostile.close();
      await sim.close();
    }
  },
);
