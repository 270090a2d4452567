import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * The first run reads a long window; the rest of it is cut into parallel slices only as far
 * as the first page's density says there are pages to read. Every request spends the
 * tenant's shared rate limit: a quiet day must not cost 32 requests of a few rows each.
 * A dense backlog still fans out (the slices carry it in order, nothing lost).
 */
async function firstRun(backlog: number, seed: number) {
  const sim = await startSimulator({ seed, backlog, backlogWindowMs: 23 * 3600_000, selfEvents: false });
  const dir = tempDir();
  try {
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 100,
        start_at: '24h',
        max_requests_per_minute: 600,
        backfill_concurrency: 8,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead.jsonl') },
      sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
      log: { level: 'info' },
    });
    const r = await runCli(['run', '--once', '-c', config]);
    assert.equal(r.code, 0, r.stderr);
    const delivered = readJsonl<{ id: string }>(join(dir, 'events.jsonl')).map((a) => a.id);
    const requests = sim.requests().filter((q) => q.path.startsWith('/v1/compliance/activities')).length;
    return { delivered, expected: sim.allActivities().map((a) => a.id), requests, stderr: r.stderr };
  } finally {
    await sim.close();
  }
}

test('a quiet backlog (150 rows over a day, 100-row pages) is read in a few requests', async () => {
  const run = await firstRun(150, 41);
  assert.deepEqual(run.delivered, run.expected, 'every activity, in order, once');
  // The first page, then the rest (~50 rows) as one slice: its page, and at most a probe more.
  assert.ok(run.requests <= 4, `${run.requests} requests for 150 rows (2 pages)`);
});

test('a dense backlog still fans out into parallel slices, in order', async () => {
  const run = await firstRun(5000, 42);
  assert.deepEqual(run.delivered, run.expected, 'every activity, in order, once');
  assert.match(run.stderr, /parallel slices.*"slices":(\d+)/);
  const slices = Number(/"slices":(\d+)/.exec(run.stderr)?.[1]);
  assert.ok(slices >= 8, `${slices} slices for ~49 pages`);
  // 50 pages at least; slicing adds about one partial page per slice.
  assert.ok(run.requests <= 50 + slices + 8, `${run.requests} requests`);
});
