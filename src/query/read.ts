import type { SourceConfig } from '../config/schema';
import type { Logger } from '../observability/logger';
import type { Activity } from '../source/activity';
import { createSource } from '../source/create-source';
import { micros } from '../source/window-check';
import { AbortedError } from '../util/errors';
import { apiFilters, rowMatcher, type QueryFilters } from './filters';
import type { QueryWindow } from './window';

/** One matching activity, with its JSON text as the API sent it. */
export interface FoundRow {
  readonly activity: Activity;
  readonly raw: string;
}

export interface FeedRead {
  /** Rows that matched, all handed to `onRows`. */
  readonly matched: number;
  /** The request-id of every page read, in order. */
  readonly requestIds: readonly string[];
  /** Rows read before filtering. */
  readonly fetched: number;
  /** --limit cut the read short. */
  readonly truncated: boolean;
}

export interface ReadOptions {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly baseDir: string;
  /** Stop after this many matching rows (0: all). */
  readonly limit: number;
  /** Matching rows, page by page, in ascending created_at then id; the read waits for it. */
  readonly onRows: (rows: readonly FoundRow[]) => Promise<void>;
  /** After each page: rows matched so far and the newest created_at read. */
  readonly onProgress?: (matched: number, reachedCreatedAt: string | undefined) => void;
}

/** The API serves rows by created_at, then id: an export's bytes depend on that order, so it is checked. */
export class OutOfOrderError extends Error {
  override readonly name = 'OutOfOrderError';
}

function inOrder(previous: Activity | undefined, next: Activity): boolean {
  if (!previous) return true;
  const dt = micros(next.created_at) - micros(previous.created_at);
  return dt > 0 || (dt === 0 && next.id > previous.id);
}

/**
 * Reads a window once through the forwarder's own source (client, rate governor, retries,
 * window checks, late-row de-duplication, key filter), with no checkpoint: nothing is
 * resumed and nothing is written down.
 */
export async function readFeed(
  src: SourceConfig,
  filters: QueryFilters,
  window: QueryWindow,
  opts: ReadOptions,
): Promise<FeedRead> {
  const api = apiFilters(filters);
  const scoped: SourceConfig = {
    ...src,
    activity_types: [...api.activityTypes],
    exclude_activity_types: api.activityTypes.length > 0 ? [] : src.exclude_activity_types,
    actor_ids: [...api.actorIds],
    organization_ids: [...api.organizationIds],
    api_key_ids: [...filters.apiKeys],
    self_events: 'keep',
  };
  const matches = rowMatcher(filters);
  let matched = 0;
  let last: Activity | undefined;
  const requestIds: string[] = [];
  let fetched = 0;
  let reached: string | undefined;
  const stop = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  const { poller, governor } = createSource(scoped, {
    logger: opts.logger,
    baseDir: opts.baseDir,
    position: {
      start: window.since,
      watermark: () => null,
      committedIds: () => new Map(),
      isOwnRequest: () => false,
    },
    // A cycle reads [start, now()): here now() is the window's end.
    now: () => Date.parse(window.until),
    pollObserver: {
      onPage: (page, stats) => {
        if (page.requestId) requestIds.push(page.requestId);
        fetched += stats.fetched;
      },
    },
    emit: async (items) => {
      const rows: FoundRow[] = [];
      for (const item of items) {
        reached = item.activity.created_at;
        if (!item.deliver || !matches(item.activity) || stop.signal.aborted) continue;
        if (!inOrder(last, item.activity))
          throw new OutOfOrderError(
            `the API served ${item.activity.id} (${item.activity.created_at}) after ${last?.id} (${last?.created_at}): not in created_at, id order`,
          );
        last = item.activity;
        rows.push({ activity: item.activity, raw: item.raw });
        if (opts.limit > 0 && matched + rows.length >= opts.limit) stop.abort();
      }
      matched += rows.length;
      if (rows.length > 0) await opts.onRows(rows);
      opts.onProgress?.(matched, reached);
    },
  });
  try {
    await poller.runCycle(signal);
  } catch (err) {
    if (!(err instanceof AbortedError) || !stop.signal.aborted) throw err;
  } finally {
    await governor.stop();
  }
  if (opts.signal.aborted) throw new AbortedError('interrupted');
  return { matched, requestIds, fetched, truncated: stop.signal.aborted };
}
