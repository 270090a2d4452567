import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { startSimulator } from '../../src/simulator';
import { parseConfig } from '../../src/config/load';
import { createApiClient } from '../../src/source/from-config';
import { RateGovernor } from '../../src/source/rate-limit';
import { LateLane } from '../../src/source/access-transparency/late-lane';
import { AccessTransparencyLedger } from '../../src/source/access-transparency/ledger';
import type { PolledItem } from '../../src/source/poller';
import type { RejectedRow } from '../../src/source/window-check';
import { silentLogger } from '../../src/observability/logger';
import { HOSTILE_ID_PREFIX, startHostileApi } from '../support/hostile-api';
import { staffAccessRow } from '../support/access-transparency';

const HOUR = 3_600_000;

/**
 * The late lane reads behind the watermark, but what it delivers still moves the checkpoint:
 * an Access Transparency row dated 2999 slipped into a sweep's page would carry the watermark
 * past everything not yet read. Such a row goes to the dead-letter file; the real ones are
 * delivered.
 */
test('a sweep dead-letters an Access Transparency row outside its window and delivers the real ones', async () => {
  const sim = await startSimulator({ seed: 9, backlog: 50, backlogWindowMs: 72 * HOUR, staffAccessRate: 0 });
  const hostile = await startHostileApi(sim.url);
  const governor = new RateGovernor(600);
  try {
    const real = [staffAccessRow(50), staffAccessRow(30, { type: 'cmek_preserve' })];
    sim.append(real);
    const now = Date.now();
    const src = parseConfig(
      YAML.stringify({
        source: { base_url: hostile.url, api_key: sim.apiKey },
        sinks: { out: { type: 'stdout' } },
      }),
    ).source;
    const client = createApiClient(src, { logger: silentLogger, governor, baseDir: process.cwd() });
    const emitted: PolledItem[] = [];
    const rejected: RejectedRow[] = [];
    const lane = new LateLane({
      client,
      ledger: new AccessTransparencyLedger(),
      windowMs: 168 * HOUR,
      lookbackMs: 10 * 60_000,
      pageSize: 100,
      configured: { include: [], exclude: [] },
      filter: () => 'deliver',
      watermark: () => new Date(now).toISOString(),
      start: new Date(now - 8 * 24 * HOUR).toISOString(),
      filterMode: () => 'server',
      rememberFilterMode: () => undefined,
      emit: async (items) => void emitted.push(...items),
      reject: async (rows) => void rejected.push(...rows),
      logger: silentLogger,
    });
    hostile.play(['future_access_row']);
    const record = await lane.sweep(new AbortController().signal);
    assert.deepEqual(hostile.played, ['future_access_row'], 'the invented row was served to the sweep');
    assert.deepEqual(emitted.map((i) => i.activity.id).sort(), real.map((a) => a.id).sort());
    assert.equal(rejected.length, 1);
    assert.ok(rejected[0].id.startsWith(HOSTILE_ID_PREFIX));
    assert.equal(rejected[0].reason, 'outside_window');
    assert.match(rejected[0].detail, /2999/);
    assert.equal(record?.found, 2);
  } finally {
    await governor.stop();
    await hostile.close();
    await sim.close();
  }
});
