import { parseDuration } from '../util/units';

/** Resolves `start_at` ("now", "24h" back, or an RFC 3339 time) to an ISO timestamp. */
export function resolveStartAt(startAt: string, now: number = Date.now()): string {
  if (startAt === 'now') return new Date(now).toISOString();
  const back = parseDuration(startAt);
  if (back !== undefined) return new Date(now - back).toISOString();
  return new Date(Date.parse(startAt)).toISOString();
}
