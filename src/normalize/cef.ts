import { isIP } from 'node:net';
import type { Activity } from '../source/activity';
import { cefSeverity } from './severity';
import { summarize, type EventSummary } from './summary';

/**
 * ArcSight CEF: `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension`.
 *
 * Escaping (CEF Implementation Standard):
 *   header fields: `\` → `\\`, `|` → `\|`; CR/LF cannot appear and become a space;
 *   extension values: `\` → `\\`, `=` → `\=`, LF → `\n`, CR → `\r` (so multi-line values
 *   survive the round trip). Keys are fixed ASCII names.
 * A value keeps its leading/trailing spaces; the one space before the next key separates.
 */
export interface CefOptions {
  readonly vendor?: string;
  readonly product?: string;
  readonly version?: string;
  /** Add `cs6` (label `details`): the JSON of every field the named keys do not carry. Default true. */
  readonly details?: boolean;
}

export const CEF_DEFAULTS = { vendor: 'Anthropic', product: 'Claude', version: '1.0' } as const;

const HEADER_ESCAPES = /[\\|]/g;
const LINE_BREAKS = /\r\n|[\r\n]/g;
const VALUE_ESCAPES = /[\\=\r\n]/g;
const NEEDS_VALUE_ESCAPE = /[\\=\r\n]/;
const NEEDS_HEADER_ESCAPE = /[\\|\r\n]/;
const VALUE_REPLACEMENTS: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '=': '\\=',
  '\r': '\\r',
  '\n': '\\n',
};

export function escapeCefHeader(text: string): string {
  if (!NEEDS_HEADER_ESCAPE.test(text)) return text;
  return text.replace(HEADER_ESCAPES, '\\$&').replace(LINE_BREAKS, ' ');
}

export function escapeCefValue(text: string): string {
  if (!NEEDS_VALUE_ESCAPE.test(text)) return text;
  return text.replace(VALUE_ESCAPES, (c) => VALUE_REPLACEMENTS[c]);
}

export type ActivityEncoder = (activity: Activity) => string;

/** Builds the encoder once per sink: the constant header prefix is escaped a single time. */
export function createCefEncoder(options: CefOptions = {}): ActivityEncoder {
  const prefix = `CEF:0|${escapeCefHeader(options.vendor ?? CEF_DEFAULTS.vendor)}|${escapeCefHeader(options.product ?? CEF_DEFAULTS.product)}|${escapeCefHeader(options.version ?? CEF_DEFAULTS.version)}|`;
  const details = options.details ?? true;
  return (activity) => {
    const s = summarize(activity);
    return `${prefix}${escapeCefHeader(s.type)}|${escapeCefHeader(s.title)}|${cefSeverity(s.severityId)}|${cefExtension(s, details)}`;
  };
}

function cefExtension(s: EventSummary, details: boolean): string {
  const pairs: [string, string | number | undefined][] = [
    ['rt', s.timeMs],
    ['externalId', s.id],
    ['act', s.type],
    ['cat', s.className],
    ['outcome', s.outcome],
    ['suser', s.actorName],
    ['suid', s.actorUid],
  ];
  if (s.srcIp !== undefined) {
    if (isIP(s.srcIp) === 4) pairs.push(['src', s.srcIp]);
    else pairs.push(['c6a2Label', 'Source IPv6 Address'], ['c6a2', s.srcIp]);
  }
  pairs.push(
    ['requestClientApplication', s.userAgent],
    ['duser', s.targetName],
    ['duid', s.targetUid],
    ['cn1Label', 'ocsfTypeUid'],
    ['cn1', s.typeUid],
  );
  if (s.organizationId !== undefined) pairs.push(['cs1Label', 'organizationId'], ['cs1', s.organizationId]);
  if (s.actorType !== undefined) pairs.push(['cs2Label', 'actorType'], ['cs2', s.actorType]);
  if (s.subjectType !== undefined) pairs.push(['cs3Label', 'entityType'], ['cs3', s.subjectType]);
  if (s.subjectUid !== undefined) pairs.push(['cs4Label', 'entityUid'], ['cs4', s.subjectUid]);
  if (s.subjectName !== undefined) pairs.push(['cs5Label', 'entityName'], ['cs5', s.subjectName]);
  if (details) pairs.push(['cs6Label', 'details'], ['cs6', s.details]);
  const out: string[] = [];
  for (const [key, value] of pairs) {
    if (value === undefined || value === '') continue;
    out.push(`${key}=${typeof value === 'number' ? String(value) : escapeCefValue(value)}`);
  }
  return out.join(' ');
}

const encoders = new WeakMap<CefOptions, ActivityEncoder>();
const defaultEncoder = createCefEncoder();

/** One activity as a CEF line (no syslog header). Options objects are compiled once and cached. */
export function toCef(activity: Activity, options?: CefOptions): string {
  if (options === undefined) return defaultEncoder(activity);
  let encoder = encoders.get(options);
  if (encoder === undefined) {
    encoder = createCefEncoder(options);
    encoders.set(options, encoder);
  }
  return encoder(activity);
}
