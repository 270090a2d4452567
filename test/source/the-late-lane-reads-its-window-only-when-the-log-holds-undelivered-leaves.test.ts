import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/simulator';
import { RateGovernor } from '../../src/source/rate-limit';
import { LateLane } from '../../src/source/access-transparency/late-lane';
import { AccessTransparencyLedger } from '../../src/source/access-transparency/ledger';
import { LogVerifier } from '../../src/source/access-transparency/log-verifier';
import { INITIAL_TRANSPARENCY_LOG } from '../../src/transparency/state';
import type { PolledItem } from '../../src/source/poller';
import type { Activity } from '../../src/source/activity';
import { silentLogger } from '../../src/observability/logger';
import { testApiClient } from '../support/api-client';
import { testVerifierConfig } from '../support/transparency-verifier';
import { staffAccessRow } from '../support/access-transparency';

const HOUR = 3_600_000;

/**
 * Issue #25: with the transparency log verified, a sweep reads its window only when the log
 * holds a leaf not delivered yet; otherwise it costs one checkpoint request. Every fourth
 * sweep reads its window anyway, for events recorded before the log existed (they carry no
 * leaf).
 */
test('a sweep costs one checkpoint request while every leaf is delivered, and reads its window when the log grew', async () => {
  const sim = await startSimulator({ seed: 14, rateLimit: false, selfEvents: false });
  const governor = new RateGovernor(60_000);
  const client = testApiClient({ baseUrl: sim.url, apiKey: sim.apiKey, governor });
  try {
    const ours = (row: Activity): Activity => ({
      ...row,
      organization_id: sim.tenant.organizationId,
      organization_uuid: sim.tenant.organizationUuid,
    });
    sim.append(
      [staffAccessRow(50), staffAccessRow(40), staffAccessRow(30, { type: 'cmek_preserve' })].map(ours),
    );
    const verifier = new LogVerifier({
      client,
      config: testVerifierConfig(sim),
      state: () => INITIAL_TRANSPARENCY_LOG,
      save: () => Promise.resolve(),
      logger: silentLogger,
    });
    const ledger = new AccessTransparencyLedger();
    const emitted: PolledItem[] = [];
    const now = Date.now();
    const lane = new LateLane({
      client,
      ledger,
      windowMs: 168 * HOUR,
      lookbackMs: 10 * 60_000,
      pageSize: 100,
      configured: { include: [], exclude: [] },
      filter: () => 'deliver',
      watermark: () => new Date(now).toISOString(),
      start: new Date(now - 8 * 24 * HOUR).toISOString(),
      filterMode: () => 'server',
      rememberFilterMode: () => undefined,
      emit: async (items) => {
        emitted.push(...items);
        for (const i of items) ledger.commit(i.activity);
      },
      reject: () => Promise.resolve(),
      logger: silentLogger,
      logSize: (signal) => verifier.verifiedSize(signal),
    });
    const feedReads = (): number =>
      sim.requests().filter((r) => r.path.startsWith('/v1/compliance/activities')).length;
    const sweep = () => lane.sweep(new AbortController().signal);

    const first = await sweep();
    assert.equal(first?.found, 3, 'nothing delivered yet: the window is read');
    assert.equal(first?.log_size, undefined);

    const reads = feedReads();
    const second = await sweep();
    assert.equal(second?.log_size, 3, 'every leaf delivered: skipped on the log');
    assert.equal(feedReads(), reads, 'no feed request');

    sim.append([ours(staffAccessRow(20))]);
    const third = await sweep();
    assert.equal(third?.log_size, undefined, 'the log grew: the window is read');
    assert.equal(third?.found, 1);

    assert.equal((await sweep())?.log_size, 4);
    assert.equal((await sweep())?.log_size, 4);
    assert.equal((await sweep())?.log_size, 4);
    const forced = await sweep();
    assert.equal(forced?.log_size, undefined, 'after three skips in a row the window is read anyway');
    assert.equal(forced?.found, 0);
    assert.equal(emitted.length, 4);
  } finally {
    client.close();
    await governor.stop();
    await sim.close();
  }
});
