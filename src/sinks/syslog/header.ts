import { createHash } from 'node:crypto';

/**
 * The header fields of RFC 5424 and RFC 3164, each forced into the characters and lengths
 * the RFCs allow, so that no event value can ever break the header a receiver parses.
 */

/** RFC 5424 §6.2.1 facility codes; 13–15 keep the names the RFC's table gives them. */
export const FACILITY_NAMES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  alert: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

export const NILVALUE = '-';

export function pri(facility: number, severity: number): string {
  return `<${facility * 8 + severity}>`;
}

/**
 * Keeps printable US-ASCII (33–126) and replaces anything else with `_`, then cuts to
 * `maxLength`. Empty → the nil value. RFC 5424 HOSTNAME, APP-NAME, PROCID and MSGID.
 */
export function headerField(value: string | undefined, maxLength: number): string {
  if (!value) return NILVALUE;
  const cleaned = value.replace(/[^!-~]/g, '_').slice(0, maxLength);
  return cleaned || NILVALUE;
}

export const HOSTNAME_MAX = 255;
export const APP_NAME_MAX = 48;
export const PROCID_MAX = 128;
export const MSGID_MAX = 32;
/** RFC 3164 §4.1.3: the TAG is alphanumeric and at most 32 characters. */
export const TAG_MAX = 32;

/**
 * MSGID is at most 32 characters, but activity types run to 54 and several share their
 * first 32. A long type keeps a readable prefix plus a short hash of the whole, so MSGID
 * stays distinct per type and stable across releases (the full type is in the structured
 * data as `type`).
 */
export function msgidForType(type: string): string {
  // Once per event, from a few hundred types: remember the answers (bounded, for hostile feeds).
  let msgid = msgids.get(type);
  if (msgid !== undefined) return msgid;
  const clean = headerField(type, Number.MAX_SAFE_INTEGER);
  msgid =
    clean.length <= MSGID_MAX
      ? clean
      : `${clean.slice(0, MSGID_MAX - 9)}~${createHash('sha256').update(type).digest('hex').slice(0, 8)}`;
  if (msgids.size >= 4096) msgids.clear();
  msgids.set(type, msgid);
  return msgid;
}

const msgids = new Map<string, string>();

/** RFC 3164 TAG: letters, digits and `._-` only (anything else ends the tag in parsers). */
export function rfc3164Tag(appName: string): string {
  return appName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, TAG_MAX) || 'claude';
}

/** RFC 3164 HOSTNAME: one token of printable ASCII (a space would end it). */
export function rfc3164Hostname(hostname: string): string {
  return headerField(hostname, HOSTNAME_MAX);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * RFC 5424 TIMESTAMP from the activity's `created_at`, keeping its precision up to the 6
 * fraction digits the RFC allows (real data has microseconds; JavaScript dates would lose
 * them) and its offset. A value that is not RFC 3339 gives the nil value rather than a
 * made-up time: the receiver then stamps its own.
 */
export function rfc5424Timestamp(createdAt: string): string {
  const m = RFC3339.exec(createdAt);
  if (!m || Number.isNaN(Date.parse(createdAt.replace(' ', 'T')))) return NILVALUE;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const fraction = frac ? `.${frac.slice(0, 6)}` : '';
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${zone.toUpperCase()}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * RFC 3164 TIMESTAMP `Mmm dd hh:mm:ss` (day padded with a space), in UTC: the format has no
 * zone, and UTC is what an audit trail wants. Falls back to `now` for an unparseable time
 * because RFC 3164 has no nil value.
 */
export function rfc3164Timestamp(createdAt: string, now: Date = new Date()): string {
  const ms = Date.parse(createdAt);
  const t = Number.isNaN(ms) ? now : new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[t.getUTCMonth()]} ${String(t.getUTCDate()).padStart(2, ' ')} ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())}`;
}
