import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Pipeline } from '../../src/pipeline/pipeline';
import { DeadLetterFile } from '../../src/pipeline/dead-letter';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import { FileCheckpointStore } from '../../src/checkpoint/file-store';
import { silentLogger } from '../../src/observability/logger';
import { tempDir } from '../support/forwarder';
import { InstantSink, activityItems } from '../support/pipeline';

/**
 * Room in the buffer comes back only when the checkpoint is saved. Saves are coalesced over
 * an interval, but a push that waits for room must not also wait out that interval: during a
 * catch-up the forwarder idled up to 100 ms per buffer's worth of activities (a quarter of a
 * 200 000-activity run). With a one-minute interval, waiting for it would take ten minutes.
 */
test('a push waiting for room gets a checkpoint save at once, not at the end of the save interval', async () => {
  const dir = tempDir();
  const base = 'http://127.0.0.1:1';
  const checkpointer = new Checkpointer(
    new FileCheckpointStore(join(dir, 'checkpoint.json'), base),
    Checkpointer.fresh(base, '2026-01-01T00:00:00Z'),
    600_000,
    10,
    silentLogger,
    60_000,
  );
  const pipeline = new Pipeline({
    sinks: [new InstantSink({ maxEvents: 50, concurrency: 2 })],
    maxBufferedEvents: 200,
    deadLetter: new DeadLetterFile(join(dir, 'dead.jsonl')),
    logger: silentLogger,
    onCommit: (records) => checkpointer.commit(records, records.length),
    persistSoon: () => checkpointer.saveSoon(),
  });
  checkpointer.onPersisted = (n) => pipeline.persisted(n);
  const signal = new AbortController().signal;
  try {
    await pipeline.start(signal);
    const started = Date.now();
    const pushing = (async () => {
      for (let i = 0; i < 10; i++) await pipeline.push(activityItems(i * 100, 100), signal);
      await pipeline.whenIdle();
    })();
    const timedOut = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
    assert.notEqual(
      await Promise.race([pushing.then(() => 'done' as const), timedOut]),
      'timeout',
      'the pushes waited for the one-minute save interval',
    );
    assert.ok(Date.now() - started < 10_000);
    assert.equal(checkpointer.current.totals.delivered, 1000);
  } finally {
    checkpointer.stop();
    await pipeline.close();
  }
});
