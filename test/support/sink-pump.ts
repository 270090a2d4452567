import type { PipelineRecord } from '../../src/pipeline/record';
import type { EncodedRecord, Sink } from '../../src/sinks/sink';
import { makeRandomActivity } from '../../src/simulator/generate';

/**
 * A sink driven directly, as the pipeline drives it, without the source: the sink tests and
 * the per-sink benchmarks (syslog, HEC, Kafka) exercise the sink and its destination alone.
 */

/** `count` realistic activities (the simulator's mix) with ids unique from `from` on. */
export function benchRecords(count: number, from: number): PipelineRecord[] {
  return Array.from({ length: count }, (_, k) => {
    const activity = {
      ...makeRandomActivity(from + k),
      id: `activity_bench_${String(from + k).padStart(9, '0')}`,
    };
    return { seq: from + k, activity, raw: JSON.stringify(activity) };
  });
}

/** Encodes every record and cuts batches as the pipeline does (by events and bytes). */
export function encodeBatches<E extends EncodedRecord>(
  sink: Sink<E>,
  recs: readonly PipelineRecord[],
): { batches: E[][]; bytes: number } {
  const batches: E[][] = [];
  let current: E[] = [];
  let bytes = 0;
  let total = 0;
  for (const r of recs) {
    const e = sink.encode(r);
    total += e.size;
    if (
      current.length > 0 &&
      (current.length >= sink.batch.maxEvents || bytes + e.size > sink.batch.maxBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += e.size;
  }
  if (current.length) batches.push(current);
  return { batches, bytes: total };
}

/** Sends every batch, `batch.concurrency` in flight like the pipeline; a rejection is a failed run. */
export async function sendBatches<E extends EncodedRecord>(
  sink: Sink<E>,
  batches: readonly E[][],
): Promise<void> {
  let next = 0;
  const signal = new AbortController().signal;
  await Promise.all(
    Array.from({ length: sink.batch.concurrency }, async () => {
      while (next < batches.length) {
        const result = await sink.send(batches[next++], signal);
        if (result.rejected.length) throw new Error(`unexpected rejections: ${result.rejected[0].reason}`);
      }
    }),
  );
}

/** Encodes, batches and sends; returns the encoded bytes. */
export async function pump<E extends EncodedRecord>(
  sink: Sink<E>,
  recs: readonly PipelineRecord[],
): Promise<number> {
  const { batches, bytes } = encodeBatches(sink, recs);
  await sendBatches(sink, batches);
  return bytes;
}
