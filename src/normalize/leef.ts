import type { Activity } from '../source/activity';
import { ConfigError } from '../util/errors';
import type { ActivityEncoder } from './cef';
import { leefSeverity } from './severity';
import { summarize, type EventSummary } from './summary';

/**
 * IBM QRadar LEEF:
 *   1.0: `LEEF:1.0|Vendor|Product|Version|EventID|key=value<TAB>key=value…`
 *   2.0: `LEEF:2.0|Vendor|Product|Version|EventID|<delimiter>|key=value<delimiter>…`
 *
 * LEEF defines no escaping: a value must simply not contain the delimiter, CR or LF. Rather
 * than strip those (and lose data), values are written with backslash escapes QRadar shows
 * as readable text: `\` → `\\`, TAB → `\t`, LF → `\n`, CR → `\r`, and a non-tab delimiter
 * → `\xHH`. No escaped value contains the delimiter, and `unescapeLeefValue` restores it.
 * Header fields cannot carry `|`, CR or LF at all: those become `_` (the activity type is
 * also in the `activityType` attribute, intact).
 */
export interface LeefOptions {
  readonly vendor?: string;
  readonly product?: string;
  readonly version?: string;
  /** Default 2.0. */
  readonly leefVersion?: '1.0' | '2.0';
  /** LEEF 2.0 attribute delimiter, one character; default TAB. LEEF 1.0 always uses TAB. */
  readonly delimiter?: string;
  /** Add `details`: the JSON of every field the named keys do not carry. Default true. */
  readonly details?: boolean;
}

export const LEEF_DEFAULTS = {
  vendor: 'Anthropic',
  product: 'Claude',
  version: '1.0',
  leefVersion: '2.0',
  delimiter: '\t',
} as const;

/** QRadar's devTime pattern for the ISO 8601 times we write (Java SimpleDateFormat). */
export const LEEF_DEV_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

/** Why a delimiter cannot be used, or undefined when it can (for config validation). */
export function leefDelimiterProblem(delimiter: string): string | undefined {
  if (delimiter.length !== 1)
    return 'the LEEF delimiter must be exactly one character, e.g. "^" or "~" (default TAB)';
  const code = delimiter.charCodeAt(0);
  if (code !== 9 && (code < 0x21 || code > 0x7e))
    return 'the LEEF delimiter must be TAB or a printable ASCII character';
  if (/[A-Za-z0-9=\\|]/.test(delimiter))
    return 'the LEEF delimiter cannot be a letter, a digit, "=", "\\" or "|"';
  return undefined;
}

const HEADER_UNSAFE = /[|\r\n]/g;

export function escapeLeefHeader(text: string): string {
  return text.replace(HEADER_UNSAFE, '_');
}

/** A value escaper for one delimiter (see the module comment). */
export function leefValueEscaper(delimiter: string): (text: string) => string {
  const hex = `\\x${delimiter.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const replacements: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  if (delimiter !== '\t') replacements[delimiter] = hex;
  const pattern = new RegExp(
    `[\\\\\\t\\n\\r${delimiter === '\t' ? '' : delimiter.replace(/[\]^\\-]/g, '\\$&')}]`,
    'g',
  );
  return (text) => text.replace(pattern, (c) => replacements[c]);
}

/** Inverse of the value escaping, for readers of our LEEF (and the round-trip tests). */
export function unescapeLeefValue(text: string): string {
  return text.replace(/\\(x[0-9a-f]{2}|[\\tnr])/g, (_, code: string) => {
    switch (code) {
      case '\\':
        return '\\';
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      default:
        return String.fromCharCode(parseInt(code.slice(1), 16));
    }
  });
}

export function createLeefEncoder(options: LeefOptions = {}): ActivityEncoder {
  const leefVersion = options.leefVersion ?? LEEF_DEFAULTS.leefVersion;
  const delimiter = leefVersion === '1.0' ? '\t' : (options.delimiter ?? LEEF_DEFAULTS.delimiter);
  const problem = leefDelimiterProblem(delimiter);
  if (problem !== undefined) throw new ConfigError(problem, 'delimiter');
  const escape = leefValueEscaper(delimiter);
  const delimiterField = leefVersion === '1.0' ? '' : `${delimiter === '\t' ? 'x09' : delimiter}|`;
  const prefix = `LEEF:${leefVersion}|${escapeLeefHeader(options.vendor ?? LEEF_DEFAULTS.vendor)}|${escapeLeefHeader(options.product ?? LEEF_DEFAULTS.product)}|${escapeLeefHeader(options.version ?? LEEF_DEFAULTS.version)}|`;
  const details = options.details ?? true;
  return (activity) => {
    const s = summarize(activity);
    return `${prefix}${escapeLeefHeader(s.type)}|${delimiterField}${leefAttributes(s, details, escape).join(delimiter)}`;
  };
}

function leefAttributes(s: EventSummary, details: boolean, escape: (text: string) => string): string[] {
  const pairs: [string, string | number | undefined][] = [
    ['devTime', new Date(s.timeMs).toISOString()],
    ['devTimeFormat', LEEF_DEV_TIME_FORMAT],
    ['cat', s.className],
    ['sev', leefSeverity(s.severityId)],
    ['activityId', s.id],
    ['activityType', s.type],
    ['outcome', s.outcome],
    ['src', s.srcIp],
    ['usrName', s.actorName],
    ['userId', s.actorUid],
    ['actorType', s.actorType],
    ['userAgent', s.userAgent],
    ['targetUser', s.targetName],
    ['targetUserId', s.targetUid],
    ['entityType', s.subjectType],
    ['entityUid', s.subjectUid],
    ['entityName', s.subjectName],
    ['orgId', s.organizationId],
    ['ocsfTypeUid', s.typeUid],
    ['summary', s.title],
  ];
  if (details) pairs.push(['details', s.details]);
  const out: string[] = [];
  for (const [key, value] of pairs) {
    if (value === undefined || value === '') continue;
    out.push(`${key}=${typeof value === 'number' ? String(value) : escape(value)}`);
  }
  return out;
}

const encoders = new WeakMap<LeefOptions, ActivityEncoder>();
const defaultEncoder = createLeefEncoder();

/** One activity as a LEEF line (no syslog header). Options objects are compiled once and cached. */
export function toLeef(activity: Activity, options?: LeefOptions): string {
  if (options === undefined) return defaultEncoder(activity);
  let encoder = encoders.get(options);
  if (encoder === undefined) {
    encoder = createLeefEncoder(options);
    encoders.set(options, encoder);
  }
  return encoder(activity);
}
