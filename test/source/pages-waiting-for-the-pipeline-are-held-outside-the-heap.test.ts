import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startSimulator } from '../../src/simulator';
import { ComplianceApiClient, type Page } from '../../src/source/client';
import { RateGovernor } from '../../src/source/rate-limit';
import { silentLogger } from '../../src/observability/logger';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/**
 * A backfill reads up to 2 × backfill_concurrency pages ahead of the pipeline, 2.7 MB each
 * at page_size 5000. Held as strings they filled the 96 MB heap the command sets, and the
 * forwarder died of it (SIGABRT) in the backfill benchmark. Waiting pages keep their bytes
 * outside the JavaScript heap and are decoded when taken; what they hold must still come
 * out intact.
 */
test('pages fetched ahead are held outside the JavaScript heap, and decode intact when taken', async () => {
  const sim = await startSimulator({
    seed: 8,
    backlog: 40_000,
    backlogWindowMs: 3_600_000,
    rateLimit: false,
    selfEvents: false,
    prerender: true,
  });
  const client = new ComplianceApiClient({
    baseUrl: sim.url,
    apiKey: sim.apiKey,
    version: '0.0.0-test',
    timeoutMs: 30_000,
    filters: { activityTypes: [], excludeActivityTypes: [], organizationIds: [], actorIds: [] },
    governor: new RateGovernor(6000),
    logger: silentLogger,
  });
  try {
    const pages: Page[] = [];
    let afterId: string | undefined;
    await client.fetchPage({ limit: 10, order: 'asc' }); // warm up sockets and code
    const before = heapMb();
    let bytes = 0;
    for (;;) {
      const page = await client.fetchPage({
        createdAtGte: new Date(Date.now() - 2 * 3_600_000).toISOString(),
        afterId,
        limit: 5000,
        order: 'asc',
      });
      pages.push(page);
      bytes += page.bodyBytes;
      if (!page.hasMore || !page.lastId) break;
      afterId = page.lastId;
    }
    const held = heapMb() - before;
    assert.equal(pages.length, 8);
    assert.ok(bytes > 15 * 2 ** 20, `the pages are large (${(bytes / 2 ** 20).toFixed(1)} MB)`);
    assert.ok(
      held < (bytes / 2 ** 20) * 0.25,
      `8 waiting pages (${(bytes / 2 ** 20).toFixed(1)} MB) hold ${held.toFixed(1)} MB of heap`,
    );

    const ids = new Set<string>();
    for (const page of pages) {
      assert.equal(page.activities.length, page.raw?.length);
      for (const [i, a] of page.activities.entries()) {
        ids.add(a.id);
        assert.deepEqual(JSON.parse(page.raw![i]), a);
      }
    }
    // Access Transparency rows recorded lately may not be visible yet: every visible one, once.
    assert.equal(ids.size, sim.allIds().length, 'every activity, once');
    assert.ok(ids.size > 39_900);
  } finally {
    await sim.close();
  }
});
