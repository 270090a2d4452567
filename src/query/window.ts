import { ConfigError } from '../util/errors';
import { parseDuration } from '../util/units';
import { micros } from '../source/window-check';
import { ACCESS_TRANSPARENCY_TYPES } from '../source/access-transparency/activity';
import { namesType, type QueryFilters } from './filters';

/** Rows become queryable about a minute after their created_at (spec: Delivery guarantees). */
export const INDEXING_LAG_MS = 60_000;

export interface QueryWindow {
  readonly since: string;
  readonly until: string;
  /** Set when the window ends too close to the present for every row to be indexed yet. */
  readonly incompleteNote?: string;
}

/** "24h" back from now, or an RFC 3339 time with its offset. */
function instant(text: string, now: number, flag: string): number {
  const back = parseDuration(text);
  if (back !== undefined) return now - back;
  if (Number.isFinite(micros(text))) return Date.parse(text);
  throw new ConfigError(
    `"${text}" is neither a duration back (e.g. 24h, 7d) nor an RFC 3339 time such as 2026-05-01T00:00:00Z`,
    flag,
  );
}

/** The created_at window [since, until); until defaults to now minus the indexing lag, as the forwarder reads. */
export function resolveWindow(
  since: string | undefined,
  until: string | undefined,
  now: number = Date.now(),
): QueryWindow {
  const sinceMs = instant(since ?? '24h', now, '--since');
  const untilMs = until === undefined ? now - INDEXING_LAG_MS : instant(until, now, '--until');
  if (!(sinceMs < untilMs))
    throw new ConfigError(
      `the window is empty or inverted (${new Date(sinceMs).toISOString()} is not before ${new Date(untilMs).toISOString()}); set --since earlier than --until`,
      '--since',
    );
  const incompleteNote =
    untilMs > now - INDEXING_LAG_MS
      ? `the window ends less than ${INDEXING_LAG_MS / 1000}s ago: rows the API has not indexed yet are missing; run again later, or leave --until at its default`
      : undefined;
  return {
    since: new Date(sinceMs).toISOString(),
    until: new Date(untilMs).toISOString(),
    ...(incompleteNote ? { incompleteNote } : {}),
  };
}

/** Two business days, across a weekend (spec: access-transparency.md §2.5). */
const ACCESS_TRANSPARENCY_LATENESS_MS = 4 * 24 * 3_600_000;

/**
 * Staff-access rows can appear two business days after their created_at: a query naming
 * their types over a recent window is told that more may come.
 */
export function accessTransparencyNote(
  f: QueryFilters,
  window: QueryWindow,
  now: number = Date.now(),
): string | undefined {
  const named = ACCESS_TRANSPARENCY_TYPES.filter((t) => namesType(f, t));
  if (named.length === 0 || Date.parse(window.until) <= now - ACCESS_TRANSPARENCY_LATENESS_MS)
    return undefined;
  return `${named.join(' and ')} rows can appear up to two business days after their created_at: rows of the last 4 days may still be missing; run again later to be sure`;
}
