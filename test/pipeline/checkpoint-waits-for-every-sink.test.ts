import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Pipeline } from '../../src/pipeline/pipeline';
import { DeadLetterFile } from '../../src/pipeline/dead-letter';
import type { PipelineRecord } from '../../src/pipeline/record';
import type { EncodedRecord, SendResult, Sink } from '../../src/sinks/sink';
import { SinkStats } from '../../src/sinks/runtime/stats';
import type { Activity } from '../../src/source/activity';
import { PermanentError } from '../../src/util/errors';
import { silentLogger } from '../../src/observability/logger';
import { readJsonl, tempDir } from '../support/forwarder';

/** A sink whose batches complete only when the test says so. */
class ControlledSink implements Sink {
  readonly type = 'controlled';
  readonly batch;
  readonly pending: { batch: readonly EncodedRecord[]; resolve: (r: SendResult) => void }[] = [];
  readonly received: string[] = [];
  constructor(
    readonly name: string,
    limits: { maxEvents: number; concurrency: number },
    private readonly refuse: (a: Activity) => string | undefined = () => undefined,
  ) {
    this.batch = {
      maxEvents: limits.maxEvents,
      maxBytes: 1 << 20,
      timeoutMs: 5,
      concurrency: limits.concurrency,
    };
  }
  async start(): Promise<void> {}
  encode(record: PipelineRecord): EncodedRecord {
    if (record.activity.type === 'unencodable') throw new PermanentError('cannot carry this');
    return { record, size: record.raw.length };
  }
  send(batch: readonly EncodedRecord[]): Promise<SendResult> {
    for (const b of batch) this.received.push(b.record.activity.id);
    return new Promise((resolve) => this.pending.push({ batch, resolve }));
  }
  complete(index = 0): void {
    const [p] = this.pending.splice(index, 1);
    const rejected = p.batch.flatMap((item) => {
      const reason = this.refuse(item.record.activity);
      return reason ? [{ item, reason }] : [];
    });
    p.resolve({ rejected });
  }
  readonly stats = new SinkStats();
  health() {
    return { healthy: true };
  }
  async close(): Promise<void> {}
}

function activity(i: number, type = 'org_user_created'): Activity {
  return {
    id: `activity_${String(i).padStart(4, '0')}`,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    type,
    actor: { type: 'user_actor' },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

function setup(sinks: Sink[], maxBuffered = 1000) {
  const dir = tempDir();
  const committed: string[] = [];
  const pipeline = new Pipeline({
    sinks,
    maxBufferedEvents: maxBuffered,
    deadLetter: new DeadLetterFile(join(dir, 'dead.jsonl')),
    logger: silentLogger,
    onCommit: (records) => {
      committed.push(...records.map((r) => r.activity.id));
      // What the checkpointer does once the commit is saved.
      queueMicrotask(() => pipeline.persisted(records.length));
    },
  });
  const push = (from: number, to: number, deliver = true) => {
    const items = [];
    for (let i = from; i < to; i++) {
      const a = activity(i);
      items.push({ activity: a, raw: JSON.stringify(a), deliver });
    }
    return pipeline.push(items);
  };
  return { pipeline, committed, push, dir };
}

test('never commits past a batch one sink has not acknowledged', async () => {
  const fast = new ControlledSink('fast', { maxEvents: 2, concurrency: 4 });
  const slow = new ControlledSink('slow', { maxEvents: 2, concurrency: 4 });
  const { pipeline, committed, push } = setup([fast, slow]);
  await pipeline.start(new AbortController().signal);
  await push(0, 6);
  await tick();
  assert.equal(fast.pending.length, 3);
  assert.equal(slow.pending.length, 3);
  // Every sink finishes batches 2 and 3, but the slow one has not finished batch 1.
  fast.complete(2);
  fast.complete(1);
  fast.complete(0);
  slow.complete(2);
  slow.complete(1);
  await tick();
  assert.deepEqual(committed, [], 'nothing commits while the first batch is unacknowledged by one sink');
  slow.complete(0);
  await tick();
  assert.deepEqual(committed, [
    'activity_0000',
    'activity_0001',
    'activity_0002',
    'activity_0003',
    'activity_0004',
    'activity_0005',
  ]);
  await pipeline.close();
});

test('commits strictly in order when batches complete out of order', async () => {
  const sink = new ControlledSink('only', { maxEvents: 1, concurrency: 3 });
  const { pipeline, committed, push } = setup([sink]);
  await pipeline.start(new AbortController().signal);
  await push(0, 3);
  await tick();
  sink.complete(2); // activity_0002
  await tick();
  assert.deepEqual(committed, []);
  sink.complete(1); // activity_0001
  await tick();
  assert.deepEqual(committed, []);
  sink.complete(0);
  await tick();
  assert.deepEqual(committed, ['activity_0000', 'activity_0001', 'activity_0002']);
  await pipeline.close();
});

test('filtered records commit in order without reaching any sink', async () => {
  const sink = new ControlledSink('only', { maxEvents: 10, concurrency: 1 });
  const { pipeline, committed, push } = setup([sink]);
  await pipeline.start(new AbortController().signal);
  await push(0, 2);
  await push(2, 4, false);
  await tick();
  assert.deepEqual(committed, [], 'filtered records wait behind undelivered ones');
  assert.deepEqual(sink.received, ['activity_0000', 'activity_0001']);
  sink.complete(0);
  await tick();
  assert.deepEqual(committed, ['activity_0000', 'activity_0001', 'activity_0002', 'activity_0003']);
  await pipeline.close();
});

test('a permanently rejected record is dead-lettered with the reason before it commits', async () => {
  const sink = new ControlledSink('picky', { maxEvents: 10, concurrency: 1 }, (a) =>
    a.id === 'activity_0001' ? 'field too large' : undefined,
  );
  const { pipeline, committed, push, dir } = setup([sink]);
  await pipeline.start(new AbortController().signal);
  await push(0, 3);
  await tick();
  sink.complete(0);
  await tick();
  assert.deepEqual(committed, ['activity_0000', 'activity_0001', 'activity_0002']);
  const dead = readJsonl<{ sink: string; reason: string; activity_id: string; activity: Activity }>(
    join(dir, 'dead.jsonl'),
  );
  assert.equal(dead.length, 1);
  assert.equal(dead[0].sink, 'picky');
  assert.equal(dead[0].reason, 'field too large');
  assert.equal(dead[0].activity.id, 'activity_0001', 'the whole original activity is kept');
  await pipeline.close();
});

test('push waits while the buffer is full (backpressure) and resumes as sinks acknowledge', async () => {
  const sink = new ControlledSink('stalled', { maxEvents: 5, concurrency: 1 });
  const { pipeline, push } = setup([sink], 10);
  await pipeline.start(new AbortController().signal);
  await push(0, 10);
  let secondDone = false;
  const second = push(10, 15).then(() => (secondDone = true));
  await tick();
  assert.equal(secondDone, false, 'the poller is held back while 10 records are unacknowledged');
  assert.equal(pipeline.buffered, 10);
  sink.complete(0);
  await second;
  assert.equal(secondDone, true);
  assert.ok(pipeline.buffered <= 10);
  await pipeline.close();
});

test('abandoned in-flight batches are not committed at close (the next run resends them)', async () => {
  const sink = new ControlledSink('never', { maxEvents: 10, concurrency: 1 });
  const { pipeline, committed, push } = setup([sink]);
  await pipeline.start(new AbortController().signal);
  await push(0, 3);
  const drained = await pipeline.drain(50);
  assert.equal(drained, false);
  await pipeline.close();
  assert.deepEqual(committed, []);
});
