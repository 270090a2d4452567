import type { BatchingLimits } from '../../src/pipeline/batcher';
import type { PipelineRecord } from '../../src/pipeline/record';
import type { EncodedRecord, SendResult, Sink } from '../../src/sinks/sink';
import { SinkStats } from '../../src/sinks/runtime/stats';
import type { Activity } from '../../src/source/activity';

/** A sink that accepts every batch at once, for tests of the pipeline's own waiting. */
export class InstantSink implements Sink {
  readonly type = 'instant';
  readonly name = 'instant';
  readonly batch: BatchingLimits;
  constructor(limits: Partial<BatchingLimits> = {}) {
    this.batch = { maxEvents: 10, maxBytes: 1 << 20, timeoutMs: 1, concurrency: 4, ...limits };
  }
  async start(): Promise<void> {}
  encode(record: PipelineRecord): EncodedRecord {
    return { record, size: record.raw.length };
  }
  async send(): Promise<SendResult> {
    return { rejected: [] };
  }
  readonly stats = new SinkStats();
  health() {
    return { healthy: true };
  }
  async close(): Promise<void> {}
}

/** `count` minimal activities from number `from` on, as the poller hands them to the pipeline. */
export function activityItems(
  from: number,
  count: number,
): { activity: Activity; raw: string; deliver: boolean }[] {
  return Array.from({ length: count }, (_, k) => {
    const a: Activity = {
      id: `activity_${from + k}`,
      created_at: new Date(Date.UTC(2026, 0, 1) + from + k).toISOString(),
      type: 'org_user_created',
      actor: { type: 'user_actor' },
    };
    return { activity: a, raw: JSON.stringify(a), deliver: true };
  });
}
