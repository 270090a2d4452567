import {
  isStrictObject,
  parseStrictJson,
  StrictJsonError,
  type StrictObject,
  type StrictValue,
} from './strict-json';

/**
 * How a served Access Transparency event becomes its log entry, schema `0x01` (spec §3.10):
 * `0x01 || JCS({11 fields})`, built from the event's JSON text exactly as the feed served it,
 * never from a normalized copy, and refused when the text is ambiguous (§3.10.4).
 */
export const LEAF_VERSION = 0x01;

const AT_TYPES = ['anthropic_access', 'cmek_preserve'] as const;
const TOP_FIELDS = [
  'accessed_at',
  'accessor_department',
  'actor',
  'created_at',
  'id',
  'organization_id',
  'organization_uuid',
  'reason_code',
  'resource_details',
  'type',
  'workspace_id',
] as const;
const INDEX_FIELD = 'transparency_log_leaf_index';
const MAX_INDEX = 2n ** 63n - 1n;

export interface BuiltLeaf {
  readonly kind: 'leaf';
  /** `0x01 || canonical JSON`: the bytes the log commits. */
  readonly entry: Buffer;
  readonly id: string | null;
  readonly type: string;
  readonly organizationUuid: string | null;
  readonly createdAt: string | null;
  readonly leafIndex: number | undefined;
}

/** The event breaks §3.10.4: no leaf can be built, and that is a finding (`leaf_unbuildable`). */
export interface RefusedLeaf {
  readonly kind: 'refused';
  readonly reason: string;
}

/** Some other activity type: skipped and counted, never a finding. */
export interface UnrelatedType {
  readonly kind: 'unrelated';
  readonly type: string;
}

export type LeafResult = BuiltLeaf | RefusedLeaf | UnrelatedType;

/** Builds the leaf of one served event from its JSON text (a string, or bytes that must be valid UTF-8). */
export function buildLeaf(served: string | Uint8Array): LeafResult {
  let value: StrictValue;
  try {
    const text =
      typeof served === 'string' ? served : new TextDecoder('utf-8', { fatal: true }).decode(served);
    value = parseStrictJson(text);
  } catch (err) {
    if (err instanceof StrictJsonError || err instanceof TypeError) return refused(err.message);
    throw err;
  }
  if (!isStrictObject(value)) return refused('not a JSON object');
  const type = value.get('type');
  if (type === undefined) return refused('missing type');
  if (typeof type !== 'string') return refused('type is not a string');
  if (!(AT_TYPES as readonly string[]).includes(type)) {
    return claimsAccessTransparency(type)
      ? refused(`type ${JSON.stringify(type)} looks like an Access Transparency type without being one`)
      : { kind: 'unrelated', type };
  }
  const problem =
    caseVariant(value, [...TOP_FIELDS, INDEX_FIELD]) ??
    nestedProblem(value, 'actor', ['email_address', 'type']) ??
    nestedProblem(value, 'resource_details', ['id', 'parent', 'type']);
  if (problem) return refused(problem);
  const scalars = new Map<string, string | null>();
  for (const field of TOP_FIELDS) {
    if (field === 'actor' || field === 'resource_details') continue;
    const v = value.get(field) ?? null;
    if (v !== null && typeof v !== 'string') return refused(`${field} is not a string or null`);
    scalars.set(field, v);
  }
  const index = leafIndexOf(value.get(INDEX_FIELD));
  if (typeof index === 'string') return refused(index);
  const actor = objectOrNull(value.get('actor'));
  const resource = objectOrNull(value.get('resource_details'));
  // Under 0x01, actor.email_address and resource_details.parent are always null (§3.10.2).
  const canonical =
    '{' +
    TOP_FIELDS.map((field) => {
      let rendered: string;
      if (field === 'actor')
        rendered = actor ? `{"email_address":null,"type":${jcs(stringOrNull(actor.get('type')))}}` : 'null';
      else if (field === 'resource_details')
        rendered = resource
          ? `{"id":${jcs(stringOrNull(resource.get('id')))},"parent":null,"type":${jcs(stringOrNull(resource.get('type')))}}`
          : 'null';
      else rendered = jcs(scalars.get(field) ?? null);
      return `"${field}":${rendered}`;
    }).join(',') +
    '}';
  return {
    kind: 'leaf',
    entry: Buffer.concat([Buffer.of(LEAF_VERSION), Buffer.from(canonical, 'utf8')]),
    id: scalars.get('id') ?? null,
    type,
    organizationUuid: scalars.get('organization_uuid') ?? null,
    createdAt: scalars.get('created_at') ?? null,
    leafIndex: index,
  };
}

function refused(reason: string): RefusedLeaf {
  return { kind: 'refused', reason };
}

/** AXT's rule: alphanumerics only, case-folded; a prefix of either name, either way, claims it. */
function claimsAccessTransparency(type: string): boolean {
  const folded = type.replace(/[^0-9A-Za-z]/g, '').toLowerCase();
  return AT_TYPES.some((t) => {
    const name = t.replace(/_/g, '');
    return name.startsWith(folded) || folded.startsWith(name);
  });
}

function caseVariant(object: StrictObject, names: readonly string[]): string | undefined {
  for (const member of object.keys()) {
    const lower = member.toLowerCase();
    if (!names.includes(member) && names.some((n) => n === lower))
      return `member ${JSON.stringify(member)} differs from ${lower} only in case`;
  }
  return undefined;
}

function nestedProblem(top: StrictObject, field: string, names: readonly string[]): string | undefined {
  const v = top.get(field);
  if (v === undefined || v === null) return undefined;
  if (!isStrictObject(v)) return `${field} is not an object or null`;
  for (const name of names) {
    const inner = v.get(name);
    if (inner !== undefined && inner !== null && typeof inner !== 'string')
      return `${field}.${name} is not a string or null`;
  }
  const variant = caseVariant(v, names);
  return variant && `${field}: ${variant}`;
}

function objectOrNull(v: StrictValue | undefined): StrictObject | null {
  return v !== undefined && v !== null && isStrictObject(v) ? v : null;
}

function stringOrNull(v: StrictValue | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

/** The index as a number, undefined when absent or null, or the reason it is refused. */
function leafIndexOf(v: StrictValue | undefined): number | undefined | string {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || !('kind' in v) || !/^(?:0|[1-9]\d*)$/.test(v.text))
    return `${INDEX_FIELD} is not a plain non-negative integer`;
  const big = BigInt(v.text);
  if (big > MAX_INDEX) return `${INDEX_FIELD} exceeds 2^63-1`;
  // JavaScript numbers are exact only up to 2^53-1 (spec §2.9 point 5).
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return `${INDEX_FIELD} exceeds 2^53-1`;
  return Number(big);
}

/** RFC 8785 string (or null) rendering: only `"`, `\` and controls are escaped (§3.10.2 rule 7). */
export function jcs(value: string | null): string {
  if (value === null) return 'null';
  let out = '"';
  for (const c of value) {
    const code = c.codePointAt(0) ?? 0;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (code < 0x20) out += SHORT_ESCAPES[code] ?? `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return out + '"';
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
};

/** The entry's JSON and type, for reading entry bundles; undefined unless version 0x01 with an AT type. */
export function readEntry(
  entry: Uint8Array,
): { readonly id: string | null; readonly type: string; readonly createdAt: string | null } | undefined {
  if (entry[0] !== LEAF_VERSION) return undefined;
  try {
    const v = parseStrictJson(new TextDecoder('utf-8', { fatal: true }).decode(entry.subarray(1)));
    if (!isStrictObject(v)) return undefined;
    const type = v.get('type');
    const id = v.get('id');
    const createdAt = v.get('created_at');
    if (typeof type !== 'string' || !(AT_TYPES as readonly string[]).includes(type)) return undefined;
    return {
      id: typeof id === 'string' ? id : null,
      type,
      createdAt: typeof createdAt === 'string' ? createdAt : null,
    };
  } catch {
    return undefined;
  }
}
