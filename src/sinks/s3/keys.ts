import { createHash } from 'node:crypto';

/**
 * Object keys, derived from the batch and never from the clock of the attempt: the same
 * activities always get the same key, so a retried or re-sent batch lands on its own key
 * (and `If-None-Match: *` turns it into "already stored") instead of adding a second copy.
 */

/** Default Security Lake custom source per OCSF class (≤ 20 characters each). */
export const DEFAULT_SOURCE_NAMES: Readonly<Record<number, string>> = {
  3001: 'claude-acct-change',
  3002: 'claude-authn',
  3004: 'claude-entity-mgmt',
  3005: 'claude-user-access',
  3006: 'claude-group-mgmt',
  6001: 'claude-web-resources',
  6003: 'claude-api-activity',
};

export function sourceNameFor(classUid: number, overrides: Readonly<Record<string, string>>): string {
  return overrides[String(classUid)] ?? DEFAULT_SOURCE_NAMES[classUid] ?? `claude-class-${classUid}`;
}

/** An activity id as a key segment: ids are plain, but a key must never be steered by one. */
function segment(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
}

/** `<first>_<last>_<sha256 of every id, 16 hex>`: two batches share a name only if they hold the same ids. */
export function objectName(ids: readonly string[], extension: string): string {
  const digest = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16);
  return `${segment(ids[0])}_${segment(ids[ids.length - 1])}_${digest}.${extension}`;
}

/** The UTC day of an RFC 3339 time, as its parts. */
export function utcDay(time: string | number): { year: string; month: string; day: string } {
  const d = new Date(time);
  const iso = Number.isNaN(d.getTime()) ? '1970-01-01' : d.toISOString().slice(0, 10);
  return { year: iso.slice(0, 4), month: iso.slice(5, 7), day: iso.slice(8, 10) };
}

/** `archive`: `<prefix>year=YYYY/month=MM/day=DD/` by the activity's created_at (UTC). */
export function archivePartition(prefix: string, createdAt: string): string {
  const { year, month, day } = utcDay(createdAt);
  return `${prefix}year=${year}/month=${month}/day=${day}/`;
}

/** `security_lake`: `<prefix>ext/<source>/region=<r>/accountId=<a>/eventDay=YYYYMMDD/`. */
export function securityLakePartition(
  prefix: string,
  source: string,
  region: string,
  accountId: string,
  timeMs: number,
): string {
  const { year, month, day } = utcDay(timeMs);
  return `${prefix}ext/${source}/region=${region}/accountId=${accountId}/eventDay=${year}${month}${day}/`;
}
