import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Pipeline } from '../../src/pipeline/pipeline';
import { AckTracker } from '../../src/pipeline/ack-tracker';
import { DeadLetterFile } from '../../src/pipeline/dead-letter';
import { silentLogger } from '../../src/observability/logger';
import { tempDir } from '../support/forwarder';
import { InstantSink, activityItems } from '../support/pipeline';

/**
 * When every buffered record is committed but not yet saved by the checkpoint, only a save
 * frees room. The waiting push must sleep until then: spinning on "something committed"
 * (which holds at once when nothing is pending) starves the timer that saves the checkpoint,
 * and the forwarder hangs at 100 % CPU. (Found by the file-sink benchmark: 5000-row pages
 * against the default 10 000-event buffer.)
 */
test('a push waiting for room sleeps until the checkpoint is saved, then proceeds', async () => {
  const original = AckTracker.prototype.whenSomethingCommits;
  let waits = 0;
  // A spinning pipeline calls this without end: fail loudly instead of hanging the runner.
  AckTracker.prototype.whenSomethingCommits = function (this: AckTracker) {
    if (++waits > 1000)
      throw new Error('the pipeline is spinning on commits while waiting for a checkpoint save');
    return original.call(this);
  };
  const committed: number[] = [];
  const pipeline = new Pipeline({
    sinks: [new InstantSink()],
    maxBufferedEvents: 100,
    deadLetter: new DeadLetterFile(join(tempDir(), 'dead.jsonl')),
    logger: silentLogger,
    onCommit: (records) => committed.push(...records.map((r) => r.seq)),
  });
  try {
    await pipeline.start(new AbortController().signal);
    await pipeline.push(activityItems(0, 100));
    await pipeline.whenIdle();
    assert.equal(committed.length, 100, 'the first 100 are delivered and committed');
    assert.equal(pipeline.buffered, 100, 'but not saved: they still count against the buffer');

    let resolved = false;
    const second = pipeline.push(activityItems(100, 50)).then(() => (resolved = true));
    // Timers still run while the push waits (a spinning wait would starve this one).
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(resolved, false, 'no room until the checkpoint is saved');
    pipeline.persisted(100);
    await second;
    assert.equal(resolved, true);
    await pipeline.whenIdle();
    assert.equal(committed.length, 150);
    assert.ok(waits < 50, `waited by sleeping, not spinning (${waits} wake-ups)`);
  } finally {
    AckTracker.prototype.whenSomethingCommits = original;
    await pipeline.close();
  }
});
