import { getHeapStatistics } from 'node:v8';

export interface HeapNeeds {
  readonly maxBufferedEvents: number;
  readonly sinks: number;
  readonly pageSize: number;
}

/**
 * How much JavaScript heap a full pipeline needs, with room to spare: ~40 MB for the
 * process itself; per buffered activity ~1.5 KB (its parsed form and its share of the page
 * text it was sliced from) and, per sink that has not accepted it yet, ~1.5 KB for its
 * encoded copy; and two pages as text at ~0.6 KB per activity (the one being taken, decoded
 * whole, and one more: a page used to be decoded on arrival too, for its scan, and the
 * allowance was kept when the scan moved to the bytes). Pages fetched ahead of the pipeline wait as bytes
 * outside the heap (source/client.ts, PageText), so the backfill's read-ahead costs resident
 * memory, not heap. Calibrated against the stalled-sink benchmark (bench/results.md,
 * section 4). A heap limit below this is an out-of-memory crash waiting for the day every
 * sink stalls, and every crash re-sends the buffer.
 */
export function heapNeededMb(needs: HeapNeeds): number {
  const buffered = (needs.maxBufferedEvents * (1.5 + 1.5 * needs.sinks)) / 1024;
  const pagesInHand = (2 * needs.pageSize * 0.6) / 1024;
  return Math.ceil(40 + buffered + pagesInHand);
}

/** This process's heap limit (--max-old-space-size, or V8's default for this machine). */
export function heapLimitMb(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
}
