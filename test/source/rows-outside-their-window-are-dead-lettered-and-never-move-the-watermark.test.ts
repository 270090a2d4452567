import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { Poller } from '../../src/source/poller';
import { InvertedWindowError, checkCreatedAt } from '../../src/source/window-check';
import { silentLogger } from '../../src/observability/logger';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';
import { HOSTILE_ID_PREFIX, startHostileApi } from '../support/hostile-api';
import { testApiClient } from '../support/api-client';

/**
 * Issue #15: one row dated 2999 moved the watermark there and every later cycle read an
 * inverted, empty window, for good. Now every row is checked against the window it was
 * requested for: a row outside it, or whose created_at is not a time, goes to the
 * dead-letter file with the reason, the rest is delivered, and the next run reads on.
 */
test('a future-dated row and an unreadable created_at are dead-lettered; the watermark stays in the past and the next run reads on', async () => {
  const sim = await startSimulator({ seed: 16, backlog: 120, backlogWindowMs: 3600_000, selfEvents: false });
  const hostile = await startHostileApi(sim.url);
  const dir = tempDir('caf-window-');
  try {
    const config = writeConfig(dir, {
      source: {
        base_url: hostile.url,
        api_key: sim.apiKey,
        page_size: 50,
        start_at: '2h',
        lookback: '2m',
        poll_interval: '1s',
        max_requests_per_minute: 600,
        backfill_concurrency: 1,
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
      metrics: { enabled: false },
      log: { level: 'warn' },
    });
    // Each invented row goes on the next page with room: the first run's last page, then
    // the second run's first.
    hostile.play(['future_row', 'bad_created_at']);
    const first = await runCli(['run', '--once', '-c', config], { timeoutMs: 60_000 });
    assert.equal(first.code, 0, first.stderr.slice(-2000));
    assert.deepEqual([...hostile.played], ['future_row']);
    assert.match(first.stderr, /activities refused by the source checks/);
    const checkpoint = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as {
      watermark: string;
    };
    assert.ok(
      Date.parse(checkpoint.watermark) <= Date.now(),
      `watermark ${checkpoint.watermark} stays in the past`,
    );

    // New rows after the first run: the second run must read them (an inverted window would not).
    sim.append(20);
    const second = await runCli(['run', '--once', '-c', config], { timeoutMs: 60_000 });
    assert.equal(second.code, 0, second.stderr.slice(-2000));
    assert.deepEqual([...hostile.played], ['future_row', 'bad_created_at']);

    const dead = readJsonl<{ sink: string; reason: string; activity_id: string; created_at: string }>(
      join(dir, 'dead-letter.jsonl'),
    );
    assert.deepEqual(
      dead.map((d) => [d.sink, d.created_at]),
      [
        ['source', '2999-01-01T00:00:00.000000Z'],
        ['source', 'not a time'],
      ],
    );
    assert.match(dead[0].reason, /not before the requested created_at\.lt/);
    assert.match(dead[1].reason, /not an RFC 3339 time/);
    assert.ok(dead.every((d) => d.activity_id.startsWith(HOSTILE_ID_PREFIX)));
    const delivered = readJsonl<{ id: string }>(join(dir, 'events.jsonl')).map((e) => e.id);
    assert.ok(!delivered.some((id) => id.startsWith(HOSTILE_ID_PREFIX)), 'no invented row was delivered');
    const served = sim.allIds();
    assert.deepEqual(new Set(delivered), new Set(served), 'every real row was delivered');
  } finally {
    await hostile.close();
    await sim.close();
  }
});

test('an inverted window is an error, not an empty read', async () => {
  const sim = await startSimulator({ seed: 17, backlog: 5, selfEvents: false });
  try {
    const client = testApiClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
    });
    const poller = new Poller({
      client,
      pageSize: 10,
      lookbackMs: 600_000,
      filter: () => 'deliver',
      committedIds: () => new Map(),
      watermark: () => '2999-01-01T00:00:00Z',
      start: '2026-01-01T00:00:00Z',
      emit: async () => undefined,
      logger: silentLogger,
    });
    await assert.rejects(poller.runCycle(new AbortController().signal), (err: Error) => {
      assert.ok(err instanceof InvertedWindowError);
      assert.match(err.message, /watermark 2999-01-01T00:00:00Z is in the future/);
      return true;
    });
    assert.equal(sim.requests().length, 0, 'nothing was asked of the API');
  } finally {
    await sim.close();
  }
});

test('bounds are compared to the microsecond, as the API sends created_at', () => {
  const window = { gte: '2026-05-22T15:00:00.000100Z', lt: '2026-05-22T15:00:01.000200Z' };
  assert.equal(checkCreatedAt('2026-05-22T15:00:00.000100Z', window).ok, true);
  assert.equal(checkCreatedAt('2026-05-22T15:00:01.000199Z', window).ok, true);
  assert.equal(checkCreatedAt('2026-05-22T15:00:01.000200Z', window).ok, false);
  assert.equal(checkCreatedAt('2026-05-22T15:00:00.000099Z', window).ok, false);
  assert.equal(checkCreatedAt('2026-05-22T17:00:00.5+02:00', window).ok, true);
  assert.equal(checkCreatedAt('2026-05-22', window).ok, false, 'a date alone is not a created_at');
});
