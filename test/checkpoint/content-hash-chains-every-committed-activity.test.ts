import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Checkpointer } from '../../src/checkpoint/checkpointer';
import type { CheckpointStore } from '../../src/checkpoint/file-store';
import { EMPTY_SHA256, type CheckpointState } from '../../src/checkpoint/state';
import type { PipelineRecord } from '../../src/pipeline/record';
import { silentLogger } from '../../src/observability/logger';
import { makeHostileActivity, makeRandomActivity } from '../../src/simulator/generate';

const memoryStore = (): CheckpointStore => ({
  load: async () => null,
  save: async () => undefined,
  reset: async () => false,
  location: 'memory',
});

/**
 * The checkpoint's sha256 is a chain over every committed activity: link = SHA-256(previous
 * hex ‖ id ‖ "\n" ‖ JSON text). Users compare it across runs and tools, so it must not
 * depend on how commits were batched, nor change when its computation is optimized.
 */
test('the content hash is the documented per-activity chain, however commits are batched', () => {
  const records: PipelineRecord[] = Array.from({ length: 300 }, (_, i) => {
    const activity = i % 5 === 0 ? makeHostileActivity(i) : makeRandomActivity(i);
    return { seq: i + 1, activity, raw: JSON.stringify(activity) };
  });
  let expected = EMPTY_SHA256;
  for (const r of records)
    expected = createHash('sha256')
      .update(expected)
      .update(r.activity.id)
      .update('\n')
      .update(r.raw)
      .digest('hex');

  for (const batch of [1, 7, 300]) {
    const state: CheckpointState = Checkpointer.fresh('http://127.0.0.1:1', '2026-01-01T00:00:00Z');
    const checkpointer = new Checkpointer(memoryStore(), state, 600_000, 10, silentLogger);
    for (let i = 0; i < records.length; i += batch)
      checkpointer.commit(records.slice(i, i + batch), Math.min(batch, records.length - i));
    checkpointer.stop();
    assert.equal(checkpointer.current.sha256, expected, `commits of ${batch}`);
  }
});
