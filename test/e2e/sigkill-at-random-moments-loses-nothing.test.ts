import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { readJsonl, startCli, tempDir, waitFor, writeConfig } from '../support/forwarder';

const KILLS = 12;

/**
 * kill -9 the forwarder at random moments while it delivers, restart it, repeat: nothing
 * the API served may be missing at the end, and duplicates stay within what was in flight.
 */
test(`nothing is lost across ${KILLS} SIGKILLs at random moments`, async () => {
  // Rate limiting is another test's subject: with 12 restarts in a minute the tenant's 600/min
  // would turn this into a test of Retry-After waits.
  const sim = await startSimulator({
    seed: 23,
    backlog: 4000,
    backlogWindowMs: 3600_000,
    rate: 30,
    rateLimit: false,
    faults: { errorRate: 0.03 },
  });
  const dir = tempDir();
  const events = join(dir, 'events.jsonl');
  const maxBuffered = 300;
  const config = writeConfig(dir, {
    source: {
      base_url: sim.url,
      api_key: sim.apiKey,
      page_size: 500,
      start_at: '2h',
      lookback: '1m',
      poll_interval: '500ms',
      max_requests_per_minute: 600,
    },
    pipeline: { max_buffered_events: maxBuffered },
    checkpoint: { path: join(dir, 'checkpoint.json') },
    dead_letter: { path: join(dir, 'dead-letter.jsonl') },
    sinks: {
      archive: { type: 'file', path: events, format: 'raw', batch: { max_events: 40, timeout: '20ms' } },
    },
    log: { level: 'warn' },
  });
  let rng = 0x2545f491;
  const random = () => (rng = (rng * 1103515245 + 12345) >>> 0) / 2 ** 32;
  try {
    for (let i = 0; i < KILLS; i++) {
      const fwd = startCli(['run', '-c', config]);
      const before = readJsonl(events).length;
      // Let it get going (past start-up) before choosing the moment to kill it.
      await waitFor(
        () => readJsonl(events).length > before || fwd.child.exitCode !== null,
        30_000,
        'delivery to start',
      );
      await new Promise((r) => setTimeout(r, 50 + random() * 700));
      assert.equal(fwd.child.exitCode, null, `forwarder exited on its own: ${fwd.stderr().slice(-1500)}`);
      await fwd.kill9();
    }
    sim.setRate(0);
    await new Promise((r) => setTimeout(r, 1500)); // let the last live rows become visible
    const cutoff = Date.now();
    const final = startCli(['run', '-c', config]);
    const expected = () =>
      sim
        .allActivities({ includeSelf: true })
        .filter((a) => Date.parse(a.created_at) < cutoff)
        .map((a) => a.id);
    const want = expected();
    try {
      await waitFor(
        () => {
          const have = new Set(readJsonl<{ id: string }>(events).map((a) => a.id));
          return want.every((id) => have.has(id));
        },
        120_000,
        'the final run to catch up',
      );
    } catch (err) {
      const have = new Set(readJsonl<{ id: string }>(events).map((a) => a.id));
      const missing = want.filter((id) => !have.has(id));
      throw new Error(
        `${(err as Error).message}; ${missing.length} of ${want.length} still missing (first: ${missing.slice(0, 5).join(', ')}); forwarder stderr tail: ${final.stderr().slice(-1500)}`,
        { cause: err },
      );
    }
    const r = await final.stop();
    assert.equal(r.code, 0, `graceful stop exits 0: ${r.stderr.slice(-1500)}`);

    const delivered = readJsonl<{ id: string }>(events, { finished: true }).map((a) => a.id);
    const have = new Set(delivered);
    const missing = want.filter((id) => !have.has(id));
    assert.deepEqual(missing, [], 'no activity lost');
    const duplicates = delivered.length - have.size;
    // Each kill can re-send at most what was uncommitted: the buffer (plus a page being read).
    const bound = KILLS * (maxBuffered + 500);
    assert.ok(duplicates <= bound, `duplicates ${duplicates} within the in-flight bound ${bound}`);
    process.stdout.write(
      `# kills=${KILLS} delivered=${delivered.length} unique=${have.size} duplicates=${duplicates} bound=${bound}\n`,
    );
  } finally {
    await sim.close();
  }
});
