import type { CatalogueField } from '../catalogue';
import { Rng } from './prng';
import { type Tenant, tagged } from './tenant';
import { formatMicros } from './time';

/**
 * Values for type-specific fields, driven by the catalogue's type text (`optional string or
 * null`, `"blocked" or "unspecified"`, `array of object { … }`, `map[number]`) and shaped by
 * the field's name (`api_key_id` → `apikey_01…`, `*_email` → an address, `*_at` → a time).
 */

/** A catalogue field as the JSON carries it: nested fields and union options included. */
export interface FieldSpec extends CatalogueField {
  readonly fields?: readonly FieldSpec[];
  readonly options?: readonly { readonly option: string; readonly fields: readonly FieldSpec[] }[];
}

export interface ValueContext {
  readonly rng: Rng;
  readonly tenant: Tenant;
  /** The activity's own time, so related timestamps land near it. */
  readonly createdAtMicros: number;
}

/** Marks a field left out of the object (optional fields are sometimes absent). */
export const ABSENT = Symbol('absent');
// `unknown` already includes ABSENT; the name says that a field may be left out.
export type FieldValue = unknown;

interface TypeText {
  readonly optional: boolean;
  readonly nullable: boolean;
  readonly base: string;
}

export function parseTypeText(text: string): TypeText {
  // The reference marks deprecated fields with a word joiner + "Deprecated" glued to the type.
  let s = text.replace(/\u2060?Deprecated\s*$/, '').trim();
  let optional = false;
  if (s.startsWith('optional ')) {
    optional = true;
    s = s.slice('optional '.length).trim();
  }
  let nullable = false;
  if (/\s+or null$/.test(s)) {
    nullable = true;
    s = s.replace(/\s+or null$/, '').trim();
  }
  return { optional, nullable, base: s };
}

/** The quoted literals of an enum type text; `or 2 more` (elided by the reference) is ignored. */
export function enumValues(base: string): string[] {
  return [...base.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
}

/** A value for a field, or ABSENT. `required` forces a present, non-null value. */
export function fieldValue(field: FieldSpec, ctx: ValueContext, required = false): FieldValue {
  const t = parseTypeText(field.type);
  if (!required) {
    if (t.optional && t.nullable) {
      const r = ctx.rng.next();
      if (r < 0.15) return ABSENT;
      if (r < 0.3) return null;
    } else if (t.optional) {
      if (ctx.rng.chance(0.2)) return ABSENT;
    } else if (t.nullable) {
      if (ctx.rng.chance(0.2)) return null;
    }
  }
  return baseValue(field, t.base, ctx);
}

function baseValue(field: FieldSpec, base: string, ctx: ValueContext): unknown {
  const { rng } = ctx;
  if (base.startsWith('"')) return rng.pick(enumValues(base));
  if (base.startsWith('array of ')) return arrayValue(field, base.slice('array of '.length).trim(), ctx);
  if (base.startsWith('object')) return objectValue(field, ctx);
  const map = /^map\[(\w+)\]/.exec(base);
  if (map) return mapValue(map[1], ctx);
  switch (base) {
    case 'string':
      return stringFor(field.name, ctx);
    case 'number':
      return numberFor(field.name, rng);
    case 'boolean':
      return rng.chance(0.5);
    default:
      // A type text we do not know yet: a string is what clients most often meet.
      return stringFor(field.name, ctx);
  }
}

function objectFrom(fields: readonly FieldSpec[], ctx: ValueContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A nested `type` is the discriminator of a union member: real payloads always carry it,
  // and in `updates[]` it names the setting, which shapes previous/current values.
  const typeField = fields.find((f) => f.name === 'type');
  const discriminator = typeField ? fieldValue(typeField, ctx, true) : ABSENT;
  for (const f of fields) {
    if (f === typeField) {
      out.type = discriminator;
      continue;
    }
    const isChange = f.name === 'current_value' || f.name === 'previous_value';
    const named =
      isChange && typeof discriminator === 'string' && parseTypeText(f.type).base === 'string'
        ? { ...f, name: discriminator }
        : f;
    const v = fieldValue(named, ctx);
    if (v !== ABSENT) out[f.name] = v;
  }
  return out;
}

function objectValue(field: FieldSpec, ctx: ValueContext): Record<string, unknown> {
  if (field.options && field.options.length > 0) return objectFrom(ctx.rng.pick(field.options).fields, ctx);
  return objectFrom(field.fields ?? [], ctx);
}

function arrayValue(field: FieldSpec, element: string, ctx: ValueContext): unknown[] {
  const { rng } = ctx;
  const n = rng.between(1, 3);
  const out: unknown[] = [];
  if (element.startsWith('object')) {
    for (let i = 0; i < n; i++) out.push(objectValue(field, ctx));
    return out;
  }
  const singular = singularName(field.name);
  for (let i = 0; i < n; i++) {
    if (element.startsWith('"')) out.push(rng.pick(enumValues(element)));
    else if (element === 'number') out.push(numberFor(singular, rng));
    else if (element === 'boolean') out.push(rng.chance(0.5));
    else out.push(stringFor(singular, ctx));
  }
  return out;
}

function mapValue(kind: string, ctx: ValueContext): Record<string, unknown> {
  const { rng } = ctx;
  const out: Record<string, unknown> = {};
  const keys = ['chat', 'code', 'cowork', 'standard', 'premium', 'slack_alerts', 'web_search', 'mcp_github'];
  const n = rng.between(1, 3);
  for (let i = 0; i < n; i++) {
    const key = rng.pick(keys);
    if (kind === 'number') out[key] = rng.between(0, 250);
    else if (kind === 'boolean') out[key] = rng.chance(0.5);
    else if (kind === 'string') out[key] = rng.pick(['allow', 'ask', 'deny']);
    else out[key] = rng.pick<unknown>([true, 'enabled', 3, { banner: 'Maintenance Friday 18:00 UTC' }]);
  }
  return out;
}

function singularName(name: string): string {
  if (name.endsWith('_ids')) return name.slice(0, -1);
  if (name.endsWith('_urls')) return name.slice(0, -1);
  if (name.endsWith('emails')) return name.slice(0, -1);
  if (name.endsWith('_hostnames')) return 'hostname';
  if (name === 'scopes' || name === 'granted_scopes') return 'scope';
  if (name.startsWith('keys_')) return 'setting_key';
  if (name === 'host_constraint') return 'hostname';
  if (name === 'audience') return 'audience';
  return name;
}

// ---- strings -------------------------------------------------------------------------------

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36 Edg/139.0.0.0',
  'Mozilla/5.0 (X11; Linux x86_64; rv:142.0) Gecko/20100101 Firefox/142.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Claude/1.3883.0 Chrome/138.0.7204.251 Electron/37.3.1 Safari/537.36',
  'Claude/1.3883.0 (iPhone; iOS 18.6.2)',
  'claude-cli/2.0.14 (external, cli)',
];
const API_USER_AGENTS = [
  'python-requests/2.32.5',
  'anthropic-python/0.68.0',
  'curl/8.14.1',
  'Go-http-client/2.0',
  'axios/1.21.1',
  'claude-audit-forwarder/0.1.0',
  'Elastic-Agent/9.1.3',
];
const WORDS = [
  'quarterly',
  'roadmap',
  'security',
  'review',
  'onboarding',
  'incident',
  'postmortem',
  'pricing',
  'migration',
  'research',
  'compliance',
  'design',
  'platform',
  'billing',
  'analytics',
  'support',
  'launch',
  'retro',
  'hiring',
  'legal',
];
const FILE_EXTS = ['pdf', 'docx', 'csv', 'md', 'png', 'xlsx', 'txt', 'py', 'json'];
const MODELS = [
  'claude-opus-4-1',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
  'claude-sonnet-4',
  'claude-opus-4',
];
const ROLES = [
  'admin',
  'user',
  'developer',
  'billing',
  'claude_code_user',
  'membership_admin',
  'owner',
  'primary_owner',
];
const SEAT_TIERS = ['standard', 'premium', 'team_standard', 'team_premium', 'enterprise'];

export function userAgent(rng: Rng, programmatic: boolean): string {
  return programmatic ? rng.pick(API_USER_AGENTS) : rng.pick(USER_AGENTS);
}

/** Documentation-range addresses (RFC 5737 / RFC 3849), IPv6 about one time in five. */
export function ipAddress(rng: Rng): string {
  if (rng.chance(0.2))
    return `2001:db8:${rng.hex(4)}:${rng.int(0x10000).toString(16)}::${rng.between(1, 0xfff).toString(16)}`;
  const net = rng.pick(['192.0.2', '198.51.100', '203.0.113']);
  return `${net}.${rng.between(1, 254)}`;
}

function phrase(rng: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(rng.pick(WORDS));
  const s = out.join(' ');
  return s[0].toUpperCase() + s.slice(1);
}

function slug(rng: Rng): string {
  return `${rng.pick(WORDS)}-${rng.pick(WORDS)}`;
}

function timeNear(ctx: ValueContext, spreadSeconds: number): string {
  const offset = Math.floor((ctx.rng.next() * 2 - 1) * spreadSeconds * 1_000_000);
  return formatMicros(Math.max(0, ctx.createdAtMicros + offset));
}

const USER_ID_FIELDS = /(^|_)(user|owner|member|requester|submitted_by_user|invitee)_id$/;

/** Prefix of a tagged id, from the field name: `mcp_server_id` → `mcp_server`. */
const ID_PREFIXES: Readonly<Record<string, string>> = {
  claude_project_id: 'claude_proj',
  claude_project_document_id: 'claude_proj_doc',
  source_project_id: 'claude_proj',
  service_account_id: 'svac',
  requested_service_account_id: 'svac',
  federation_rule_id: 'fdrl',
  federation_issuer_id: 'fdis',
  issuer_id: 'fdis',
  external_client_id: 'clid',
  request_id: 'req',
  group_id: 'group',
  role_id: 'rbac_role',
  agent_id: 'agent',
  environment_id: 'env',
  memory_store_id: 'memstore',
  session_id: 'sesn',
  deployment_id: 'depl',
};

export function idFor(name: string, ctx: ValueContext): string {
  const { rng, tenant } = ctx;
  if (name.endsWith('admin_api_key_id')) return rng.pick(tenant.adminApiKeyIds);
  if (name.endsWith('api_key_id')) return rng.pick(tenant.apiKeyIds);
  if (name.endsWith('workspace_id')) return rng.pick(tenant.workspaceIds);
  if (name === 'service_account_id') return rng.pick(tenant.serviceAccountIds);
  if (USER_ID_FIELDS.test(name) || name === 'principal_id' || name === 'entity_id')
    return rng.pick(tenant.users).id;
  if (name === 'organization_id') return tenant.organizationId;
  if (name.startsWith('slack_'))
    return `${name === 'slack_channel_id' ? 'C' : name === 'slack_team_id' ? 'T' : 'E'}0${rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 9)}`;
  if (name.startsWith('github_')) return rng.digits(8);
  if (name === 'workos_event_id') return tagged(rng, 'event');
  if (name === 'kid_hash') return rng.hex(16);
  const bare = name.replace(
    /^(previous|new|deleted|cascaded_from|cascade_trigger|source|target|excluded|current)_/,
    '',
  );
  const prefix = ID_PREFIXES[bare] ?? bare.replace(/_id$/, '');
  return tagged(rng, prefix);
}

function email(ctx: ValueContext, external: boolean): string {
  const { rng, tenant } = ctx;
  if (!external) return rng.pick(tenant.users).email;
  return `${rng.pick(['sam', 'alex', 'kim', 'jo', 'pat', 'lee'])}.${rng.pick(['ng', 'park', 'ortiz', 'khan', 'meyer'])}${rng.between(1, 99)}@${rng.pick(['partner.example', 'contractor.example.org', 'example.net'])}`;
}

export function stringFor(name: string, ctx: ValueContext): string {
  const { rng } = ctx;
  const n = name.toLowerCase();
  if (n === 'ip_address') return ipAddress(rng);
  if (n === 'user_agent') return userAgent(rng, rng.chance(0.3));
  if (n.includes('email'))
    return email(ctx, n.startsWith('invite') || n.startsWith('unauthenticated') || rng.chance(0.1));
  if (n.endsWith('_uuid')) return rng.uuid();
  if (n === 'url' || n.endsWith('_url'))
    return `https://${rng.pick(['hooks', 'api', 'docs'])}.${ctx.tenant.domain}/${slug(rng)}/${rng.base58(10)}`;
  if (n === 'issuer' || n.endsWith('_issuer'))
    return rng.pick([
      'https://token.actions.githubusercontent.com',
      'https://accounts.google.com',
      `https://login.${ctx.tenant.domain}`,
      'https://sts.windows.net/' + rng.uuid() + '/',
    ]);
  if (n.endsWith('_id') || n === 'setting_key_id') return idFor(n, ctx);
  if (n.endsWith('_at') || n.endsWith('_date') || n === 'hour') return timeNear(ctx, 86_400);
  if (n === 'hostname' || n === 'domain' || n.endsWith('_hostname'))
    return `${rng.pick(['db', 'git', 'mcp', 'proxy', 'api'])}.${ctx.tenant.domain}`;
  if (/hash|checksum|fingerprint|sha256/.test(n)) return rng.hex(64);
  if (n === 'jti' || n.endsWith('_jti')) return rng.uuid();
  if (n === 'filename') return `${slug(rng)}.${rng.pick(FILE_EXTS)}`;
  if (n.includes('model')) return rng.pick(MODELS);
  if (n.includes('seat_tier')) return rng.pick(SEAT_TIERS);
  if (n.includes('role')) return rng.pick(ROLES);
  if (n.includes('scope'))
    return rng.pick(['read:compliance_activities', 'org:read', 'workspace:write', 'user:read']);
  if (n === 'provider') return rng.pick(['aws', 'gcp', 'azure', 'okta', 'google']);
  if (n.includes('version')) return `${rng.between(1, 4)}.${rng.between(0, 20)}.${rng.between(0, 9)}`;
  if (n === 'repo_owner') return ctx.tenant.name.toLowerCase().replace(/[^a-z]+/g, '-');
  if (n === 'repo' || n.includes('repo_name') || n === 'repository_name') return slug(rng);
  if (n === 'status' || n === 'activation_state') return rng.pick(['active', 'inactive', 'archived']);
  if (n === 'outcome') return rng.pick(['success', 'denied']);
  if (n === 'reason' || n.endsWith('_reason'))
    return rng.pick(['policy', 'user_request', 'expired', 'invalid_signature', 'not_authorized']);
  if (n === 'algorithm') return rng.pick(['ES256', 'RS256', 'EdDSA']);
  if (
    n.includes('type') ||
    n.includes('mode') ||
    n.includes('method') ||
    n.includes('kind') ||
    n === 'surface' ||
    n === 'source' ||
    n === 'cadence'
  )
    return rng.pick(['standard', 'managed', 'automatic', 'manual', 'web', 'api']);
  if (
    n === 'title' ||
    n.endsWith('name') ||
    n === 'label' ||
    n === 'description' ||
    n === 'deny_message' ||
    n === 'detail'
  )
    return phrase(rng, rng.between(2, 4));
  if (n === 'slug' || n.endsWith('_slug') || n.endsWith('_code')) return slug(rng);
  if (n === 'setting_key' || n.startsWith('keys_'))
    return rng.pick(['theme', 'permissions.allow', 'env.HTTP_PROXY', 'model', 'hooks.PreToolUse']);
  return slug(rng);
}

export function numberFor(name: string, rng: Rng): number {
  const n = name.toLowerCase();
  if (n === 'status_code') return rng.pick([200, 200, 200, 200, 400, 401, 403, 429, 500]);
  if (n.includes('port')) return rng.pick([443, 8443, 5432, 3306, 9200]);
  if (n.endsWith('_ms')) return rng.between(100, 30_000);
  if (n.includes('usd') || n.includes('amount')) return Math.round(rng.next() * 500_000) / 100;
  if (n.includes('percentage')) return rng.between(0, 100);
  if (n.startsWith('github_') || n.endsWith('_app_id') || n.endsWith('webhook_id'))
    return rng.between(100_000, 99_999_999);
  if (n.includes('version')) return rng.between(1, 40);
  return rng.between(0, 120);
}
