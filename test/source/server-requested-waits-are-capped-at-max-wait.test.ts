import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { ComplianceApiClient } from '../../src/source/client';
import type { CappedWait } from '../../src/source/wait-cap';
import type { Logger } from '../../src/observability/logger';
import { startHostileApi, type HostileApi } from '../support/hostile-api';
import { testApiClient } from '../support/api-client';

/**
 * A Retry-After of 20 days and a rate-limit reset dated 2999 were both obeyed: forwarding
 * stopped with every signal green. source.max_wait caps every wait the server asks for; a
 * capped wait is logged and reported.
 */
let sim: SimulatorHandle;
let hostile: HostileApi;
before(async () => {
  sim = await startSimulator({ seed: 18, backlog: 20, selfEvents: false });
  hostile = await startHostileApi(sim.url);
});
after(async () => {
  await hostile.close();
  await sim.close();
});

const MAX_WAIT_MS = 1500;

function client(capped: CappedWait[], warnings: string[]): ComplianceApiClient {
  const logger: Logger = {
    error: () => undefined,
    warn: (message) => warnings.push(message),
    info: () => undefined,
    debug: () => undefined,
    child: () => logger,
  };
  return testApiClient({
    baseUrl: hostile.url,
    apiKey: sim.apiKey,
    logger,
    backoff: { initialMs: 20, maxMs: 100 },
    maxWaitMs: MAX_WAIT_MS,
    onWaitCapped: (wait) => capped.push(wait),
  });
}

test(
  'a Retry-After of 20 days is obeyed for max_wait only, logged and reported',
  { timeout: 20_000 },
  async () => {
    const capped: CappedWait[] = [];
    const warnings: string[] = [];
    const c = client(capped, warnings);
    hostile.play(['huge_retry_after']);
    const started = Date.now();
    const page = await c.fetchPage({ limit: 5, order: 'asc' });
    const waited = Date.now() - started;
    assert.equal(page.activities.length, 5);
    assert.ok(waited >= MAX_WAIT_MS - 50 && waited < MAX_WAIT_MS + 3000, `waited ${waited} ms`);
    assert.deepEqual(capped, [{ header: 'retry-after', askedMs: 20 * 86_400_000, cappedMs: MAX_WAIT_MS }]);
    assert.ok(warnings.some((w) => /longer wait than source\.max_wait/.test(w)));
  },
);

test(
  'a rate-limit reset dated 2999 pauses for max_wait only, logged and reported',
  { timeout: 20_000 },
  async () => {
    const capped: CappedWait[] = [];
    const warnings: string[] = [];
    const c = client(capped, warnings);
    hostile.play(['reset_2999']);
    await c.fetchPage({ limit: 5, order: 'asc' });
    const started = Date.now();
    await c.fetchPage({ limit: 5, order: 'asc' });
    const waited = Date.now() - started;
    assert.ok(
      waited >= MAX_WAIT_MS - 100 && waited < MAX_WAIT_MS + 3000,
      `the next request waited ${waited} ms`,
    );
    assert.equal(capped.length, 1);
    assert.equal(capped[0].header, 'anthropic-ratelimit-requests-reset');
    assert.ok(capped[0].askedMs > 900 * 365 * 86_400_000);
    assert.ok(warnings.some((w) => /longer wait than source\.max_wait/.test(w)));
  },
);
