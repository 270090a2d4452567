import type { Activity } from '../../source/activity';

/**
 * RFC 5424 STRUCTURED-DATA: one private element `[claude@<enterprise number> …]` with the
 * fields a SIEM indexes and routes on. The full event is in MSG; these are a searchable
 * summary, so long values are cut and control characters replaced.
 */

export interface SdParam {
  readonly name: string;
  readonly value: string;
}

/** A searchable summary, not the record of truth: longer values are cut (MSG has them whole). */
export const SD_VALUE_MAX_BYTES = 256;

/** `"`, `\` and `]` must be escaped inside PARAM-VALUE (RFC 5424 §6.3.3). */
export function escapeParamValue(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/["\\\]]/g, (c) => `\\${c}`) : value;
}

const NEEDS_ESCAPE = /["\\\]]/;
/** What cleanParamValue replaces (C0, DEL, C1, line separators, any surrogate to check). */
const MAY_NEED_CLEANING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\uD800-\uDFFF]/;

/**
 * Control characters (C0, DEL, C1) would break LF framing or be mangled by receivers
 * (rsyslog writes them as `#012`): they become U+FFFD. Then the value is cut to
 * `maxBytes` of UTF-8 without splitting a character.
 */
export function cleanParamValue(value: string, maxBytes = SD_VALUE_MAX_BYTES): string {
  // The usual value (short, printable) needs neither pass: this runs six times per event.
  // A UTF-16 unit is at most 3 bytes of UTF-8, so a short enough value cannot need a cut.
  if (value.length * 3 <= maxBytes && !MAY_NEED_CLEANING.test(value)) return value;
  // Lone surrogates would be sent as U+FFFD anyway; make that explicit so the cut is exact.
  const cleaned = value.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
  if (Buffer.byteLength(cleaned) <= maxBytes) return cleaned;
  let out = '';
  let bytes = 0;
  for (const ch of cleaned) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes - 3) break;
    out += ch;
    bytes += n;
  }
  return out + '…';
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** The actor's most useful identity, by the order a SOC would search for it. */
const ACTOR_IDENTITY_FIELDS = [
  'email_address',
  'user_id',
  'api_key_id',
  'admin_api_key_id',
  'service_account_id',
  'unauthenticated_email_address',
  'subject',
  'external_client_id',
  'directory_id',
  'service',
] as const;

export function actorIdentity(activity: Activity): string | undefined {
  const actor = activity.actor as Record<string, unknown> | undefined;
  if (!actor) return undefined;
  for (const field of ACTOR_IDENTITY_FIELDS) {
    const v = str(actor[field]);
    if (v) return v;
  }
  return undefined;
}

/** The parameters of the claude@ element, in a fixed order; absent values are left out. */
export function sdParams(activity: Activity): SdParam[] {
  const actor = activity.actor as Record<string, unknown> | undefined;
  // Built directly (no candidate list to filter): this runs once per event.
  const params: SdParam[] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) params.push({ name, value });
  };
  add('id', str(activity.id));
  add('type', str(activity.type));
  add('actor_type', str(actor?.type));
  add('actor', actorIdentity(activity));
  add('src_ip', str(actor?.ip_address));
  add('org', str(activity.organization_id) ?? str(activity.organization_uuid));
  return params;
}

/** Serializes one SD-ELEMENT. `sdId` is already valid (built from a fixed name and a number). */
export function sdElement(sdId: string, params: readonly SdParam[]): string {
  let element = `[${sdId}`;
  for (const p of params) element += ` ${p.name}="${escapeParamValue(cleanParamValue(p.value))}"`;
  return `${element}]`;
}
