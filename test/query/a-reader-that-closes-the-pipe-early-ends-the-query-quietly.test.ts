import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SimulatorHandle } from '../../src/simulator';
import { startCli, tempDir } from '../support/forwarder';
import { emptyFeed } from './support/feed';

/**
 * `query … | head` is how a person looks at the first rows. When the reader closes the pipe,
 * the query stops reading the API (its requests count against the tenant's rate limit) and
 * exits 0 without a stack trace: the reader has what it asked for.
 */
const PAGES = 20;
let sim: SimulatorHandle;
const configs = new Map<string, string>();

before(async () => {
  sim = await emptyFeed();
  sim.append(PAGES * 100, { createdAt: new Date(Date.now() - 3 * 3_600_000) });
  sim.setLatency(200);
  // json streams page by page: small pages show the read stopping. A table prints at the end.
  for (const [format, pageSize] of [
    ['json', 100],
    ['table', 5000],
  ] as const) {
    const config = join(tempDir('caf-query-pipe-'), 'config.yaml');
    writeFileSync(
      config,
      `source:\n  base_url: ${sim.url}\n  api_key: ${sim.apiKey}\n  page_size: ${pageSize}\n  backfill_concurrency: 1\nsinks:\n  out: {type: stdout}\n`,
    );
    configs.set(format, config);
  }
});
after(() => sim?.close());

for (const format of ['json', 'table'] as const) {
  test(`--format ${format}: the reader closes the pipe after the first rows; exit 0, no stack trace`, async () => {
    const before = sim.requests().length;
    const p = startCli(['query', '-c', configs.get(format)!, '--since', '6h', '--format', format]);
    p.child.stdout?.once('data', () => p.child.stdout?.destroy());
    const r = await p.exited;
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /);
    if (format === 'json') {
      const pages = sim.requests().length - before;
      assert.ok(
        pages < PAGES,
        `the read stopped when the reader left (${pages} requests for ${PAGES} pages)`,
      );
    }
  });
}
