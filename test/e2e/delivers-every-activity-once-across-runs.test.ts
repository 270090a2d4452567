import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { readJsonl, runCli, tempDir, writeConfig } from '../support/forwarder';

/**
 * The spine's promise end to end: with 5xx, 429, malformed pages and late-indexed rows
 * enabled, `run --once` repeated with new and late rows in between delivers every activity
 * the API serves to the file sink exactly once.
 */
test('every activity reaches the file sink exactly once over several --once runs with API faults and late rows', async () => {
  const sim = await startSimulator({
    seed: 11,
    backlog: 1500,
    backlogWindowMs: 6 * 3600_000,
    faults: {
      errorRate: 0.08,
      rateLimitedRate: 0.05,
      retryAfterSeconds: 1,
      malformedRate: 0.04,
      duplicateRate: 0.2,
    },
  });
  const dir = tempDir();
  try {
    const config = writeConfig(dir, {
      source: {
        base_url: sim.url,
        api_key: sim.apiKey,
        page_size: 100,
        start_at: '7h',
        lookback: '10m',
        max_requests_per_minute: 600,
        poll_interval: '1s',
      },
      checkpoint: { path: join(dir, 'checkpoint.json') },
      dead_letter: { path: join(dir, 'dead-letter.jsonl') },
      sinks: { archive: { type: 'file', path: join(dir, 'events.jsonl'), format: 'raw' } },
      log: { level: 'warn' },
    });
    const runOnce = async (label: string) => {
      const r = await runCli(['run', '--once', '-c', config], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, `${label}: exit code ${r.code}\n${r.stderr.slice(-2000)}`);
      if (process.env.CAF_TEST_DEBUG) process.stderr.write(`${label}: ${r.stderr}\n`);
    };

    await runOnce('first run');
    // New rows, and late-indexed rows whose created_at lies behind what was already read.
    sim.append(200);
    sim.append(40, { createdAt: new Date(Date.now() - 3 * 60_000) });
    await runOnce('second run');
    sim.append(150);
    sim.append(30, { createdAt: new Date(Date.now() - 90_000) });
    sim.append(10, { createdAt: new Date(Date.now() - 30_000), visibleAfterMs: 1500 }); // indexed after the next read starts
    await runOnce('third run');
    await new Promise((r) => setTimeout(r, 2000)); // our own compliance_api_accessed rows land ~1 s later
    const cutoff = Date.now();
    await runOnce('final run');

    const delivered = readJsonl<{ id: string; created_at: string }>(join(dir, 'events.jsonl')).map(
      (a) => a.id,
    );
    const counts = new Map<string, number>();
    for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
    const dupes = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(dupes, [], 'no activity delivered twice');
    const expected = sim
      .allActivities({ includeSelf: true })
      .filter((a) => Date.parse(a.created_at) < cutoff)
      .map((a) => a.id);
    const missing = expected.filter((id) => !counts.has(id));
    assert.deepEqual(
      missing,
      [],
      `every activity served by the API was delivered (${expected.length} expected)`,
    );
    const stats = sim.stats();
    assert.ok(
      (stats.byStatus['429'] ?? 0) > 0 && Object.keys(stats.byStatus).some((s) => s.startsWith('5')),
      `faults were exercised: ${JSON.stringify(stats.byStatus)}`,
    );
  } finally {
    await sim.close();
  }
});
