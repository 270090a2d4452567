import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { ComplianceApiClient, type PageQuery } from '../../src/source/client';
import {
  HOSTILE_ID_PREFIX,
  startHostileApi,
  type HostileApi,
  type HostileTrick,
} from '../support/hostile-api';
import { testApiClient } from '../support/api-client';

/**
 * The API client against a hostile server (a front spoiling a real simulator's answers):
 * every spoiled answer is refused as a retryable error, the retry gets the real page, and
 * the process keeps its memory. What issue #15's review crashed or hung with.
 */
let sim: SimulatorHandle;
let hostile: HostileApi;
before(async () => {
  sim = await startSimulator({ seed: 15, backlog: 40, selfEvents: false });
  hostile = await startHostileApi(sim.url);
});
after(async () => {
  await hostile.close();
  await sim.close();
});

const QUERY: PageQuery = { limit: 10, order: 'asc' };

function client(retries: string[], timeoutMs = 5000): ComplianceApiClient {
  return testApiClient({
    baseUrl: hostile.url,
    apiKey: sim.apiKey,
    timeoutMs,
    backoff: { initialMs: 20, maxMs: 100 },
    onRetry: (reason) => retries.push(reason),
  });
}

async function survives(trick: HostileTrick, expected: RegExp, timeoutMs?: number): Promise<void> {
  const retries: string[] = [];
  const c = client(retries, timeoutMs);
  const real = await c.fetchPage(QUERY);
  const heapBefore = process.memoryUsage().heapUsed;
  hostile.play([trick]);
  const page = await c.fetchPage(QUERY);
  assert.equal(hostile.pending(), 0, `${trick} was played`);
  assert.equal(retries.length, 1, `${trick} cost one retry: ${retries.join('; ')}`);
  assert.match(retries[0], expected);
  assert.deepEqual(
    page.activities.map((a) => a.id),
    real.activities.map((a) => a.id),
    'the retry read the real page',
  );
  // Generous: what matters is that hundreds of MB never reached the heap.
  assert.ok(
    process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024,
    `heap grew by ${process.memoryUsage().heapUsed - heapBefore} bytes`,
  );
}

test('an endless body is cut off at the size cap and retried', { timeout: 30_000 }, async () => {
  await survives('endless_body', /oversized response: more than \d+ bytes/);
});

test('a gzip bomb is cut off after decompression and retried', async () => {
  await survives('gzip_bomb', /oversized response: .*(once decompressed|decompression bomb)/);
});

test('a page holding more rows than limit asked is refused and retried', async () => {
  await survives('oversized_page', /malformed page: 50000 rows where limit=10 was asked/);
});

test(
  'a body trickling past request_timeout is given up at the deadline, body included, and retried',
  { timeout: 30_000 },
  async () => {
    const started = Date.now();
    await survives('trickle', /request failed: timeout: no complete answer within 1s/, 1000);
    assert.ok(Date.now() - started < 10_000, 'the trickle did not hold the request');
  },
);

test('one activity over the size cap is set aside by id; the rest of its page is read', async () => {
  const retries: string[] = [];
  const c = client(retries);
  const real = await c.fetchPage({ limit: 100, order: 'asc' });
  hostile.play(['giant_field']);
  const page = await c.fetchPage({ limit: 100, order: 'asc' });
  assert.deepEqual(retries, [], 'no retry: the page is good but for one row');
  assert.deepEqual(
    page.activities.map((a) => a.id),
    real.activities.map((a) => a.id),
  );
  assert.equal(page.oversized?.length, 1);
  const [giant] = page.oversized;
  assert.ok(giant.id?.startsWith(HOSTILE_ID_PREFIX), 'named by its id');
  assert.equal(giant.type, 'org_user_deleted');
  assert.ok(giant.bytes > 4 * 1024 * 1024);
  assert.equal(page.raw?.length, page.activities.length, 'raw texts stay aligned with the activities');
});
