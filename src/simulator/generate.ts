import { ACTIVITY_TYPES, type CatalogueType } from '../catalogue';
import type { Activity, Actor } from '../source/activity';
import { SELF_EVENT_TYPE } from '../source/activity';
import { ACCESS_TRANSPARENCY_TYPES, isAccessTransparencyType } from './access-transparency';
import { ACTOR_TYPES, makeActor } from './actors';
import { hostileStrings } from './hostile';
import { idFromSeed } from './ids';
import { Rng, hashString, mixSeed } from './prng';
import { DEFAULT_TENANT, type Tenant, tagged } from './tenant';
import { formatMicros, parseMicros } from './time';
import { ABSENT, type FieldSpec, type ValueContext, fieldValue } from './values';

/**
 * Deterministic activity generator: the same spec always yields the same activity, so the
 * simulator can keep only (seed, row) per stored activity and rebuild its JSON on demand.
 */
export interface MakeActivitySpec {
  readonly type: string;
  readonly actorType: string;
  readonly seed: number;
  /** RFC 3339; default: a seed-derived time in June 2026. */
  readonly createdAt?: string;
  readonly id?: string;
  /** Whose organization, users and keys appear. Default: DEFAULT_TENANT. */
  readonly tenant?: Tenant;
  /** Replaces the generated actor (the server's own `compliance_api_accessed` rows). */
  readonly actor?: Actor;
  /** Merged over the generated type-specific fields. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

const CATALOGUE = new Map<string, CatalogueType>(ACTIVITY_TYPES.map((t) => [t.type, t]));

/**
 * Feed types the docs describe but the `activity_types[]` enum (and so the catalogue) lacks:
 * the Access Transparency records, visible up to two business days after `created_at`.
 */
export const UNLISTED_FEED_TYPES = ACCESS_TRANSPARENCY_TYPES;

/**
 * For types whose listing says nothing (none, or all 11), the variants seen on comparable
 * admin actions: most rows should look like what a real tenant sees.
 */
const DEFAULT_ACTORS = [
  'user_actor',
  'admin_api_key_actor',
  'api_actor',
  'anthropic_actor',
  'system_actor',
] as const;
const SIGN_IN_TYPES = /login|logged_out|phone_code|age_verified|second_factor|session_revoked/;
const SIGN_IN_ACTORS = ['user_actor', 'unauthenticated_user_actor'] as const;

/**
 * The variants a type usually carries: what the generator mostly picks. A listing of all 11
 * (what the reference now gives every type) says nothing about which are usual.
 */
export function usualActors(type: string): readonly string[] {
  if (type === SELF_EVENT_TYPE) return ['api_actor', 'admin_api_key_actor'];
  if (isAccessTransparencyType(type)) return ['anthropic_actor'];
  const listed = CATALOGUE.get(type)?.actors ?? [];
  if (listed.length > 0 && listed.length < ACTOR_TYPES.length) return listed;
  return SIGN_IN_TYPES.test(type) ? SIGN_IN_ACTORS : DEFAULT_ACTORS;
}

/**
 * Since Sep 2026 every type's actor is documented as the full 11-variant union; Access
 * Transparency rows alone always carry `anthropic_actor`.
 */
export function allowedActors(type: string): readonly string[] {
  return isAccessTransparencyType(type) ? ['anthropic_actor'] : ACTOR_TYPES;
}

/** Types whose records may carry no organization (account-level and pre-login activity). */
const ORGLESS_TYPES =
  /^(magic_link_login|sso_login|social_login|anonymous_mobile_login|phone_code|age_verified|user_logged_out|account_deleted|step_up_|org_creation_blocked|org_join_request_created|platform_app_attest|platform_federated_auth)/;

export type OrgPresence = 'present' | 'null' | 'absent';

/**
 * The parts of an activity the server filters on (`actor_ids[]`, `organization_ids[]`),
 * drawn from their own stream so the store can keep them in columns without generating the
 * whole activity.
 */
export interface ActivityTraits {
  /** Index into tenant.users of a user_actor, else -1. */
  readonly userIndex: number;
  readonly org: OrgPresence;
}

export function activityTraits(
  spec: Pick<MakeActivitySpec, 'type' | 'actorType' | 'seed' | 'tenant'>,
): ActivityTraits {
  const tenant = spec.tenant ?? DEFAULT_TENANT;
  const rng = new Rng(mixSeed(spec.seed, 0x7a17, hashString(spec.type)));
  const userIndex = spec.actorType === 'user_actor' ? rng.int(tenant.users.length) : -1;
  let org: OrgPresence = 'present';
  const r = rng.next();
  if (spec.actorType === 'unauthenticated_user_actor' || ORGLESS_TYPES.test(spec.type)) {
    if (r < 0.35) org = 'null';
    else if (r < 0.45) org = 'absent';
  }
  return { userIndex, org };
}

const DEFAULT_EPOCH_MICROS = Date.UTC(2026, 5, 1) * 1000;
const MONTH_MICROS = 30 * 86_400 * 1_000_000;

export function makeActivity(spec: MakeActivitySpec): Activity {
  const tenant = spec.tenant ?? DEFAULT_TENANT;
  const rng = new Rng(mixSeed(spec.seed, hashString(spec.type), hashString(spec.actorType)));
  const id = spec.id ?? idFromSeed(spec.seed, rng);
  let createdAtMicros = spec.createdAt === undefined ? undefined : parseMicros(spec.createdAt);
  if (spec.createdAt !== undefined && createdAtMicros === undefined)
    throw new Error(`createdAt is not RFC 3339: ${spec.createdAt}`);
  createdAtMicros ??= DEFAULT_EPOCH_MICROS + rng.int(MONTH_MICROS);
  const traits = activityTraits({ ...spec, tenant });

  let actor = spec.actor ?? makeActor(spec.actorType, rng, tenant);
  if (traits.userIndex >= 0 && spec.actor === undefined) {
    const user = tenant.users[traits.userIndex];
    actor = { ...actor, user_id: user.id, email_address: user.email };
  }
  const out: Record<string, unknown> = { id, created_at: formatMicros(createdAtMicros) };
  if (traits.org === 'present') {
    out.organization_id = tenant.organizationId;
    out.organization_uuid = tenant.organizationUuid;
  } else if (traits.org === 'null') {
    out.organization_id = null;
    out.organization_uuid = null;
  }
  out.actor = actor;
  out.type = spec.type;
  Object.assign(out, typeFields(spec.type, { rng, tenant, createdAtMicros }), spec.fields ?? {});
  return out as Activity;
}

function typeFields(type: string, ctx: ValueContext): Record<string, unknown> {
  if (type === SELF_EVENT_TYPE) return selfEventFields(ctx);
  if (isAccessTransparencyType(type)) return accessTransparencyFields(type, ctx);
  const entry = CATALOGUE.get(type);
  if (!entry) return futureTypeFields(ctx);
  const out: Record<string, unknown> = {};
  for (const field of (entry?.fields ?? []) as readonly FieldSpec[]) {
    const value = fieldValue(field, ctx);
    if (value !== ABSENT) out[field.name] = value;
  }
  return out;
}

function selfEventFields(ctx: ValueContext): Record<string, unknown> {
  const { rng } = ctx;
  const query = [`limit=${rng.pick([100, 500, 1000, 5000])}`, `order=${rng.pick(['asc', 'desc'])}`];
  if (rng.chance(0.7)) query.push(`after_id=${tagged(rng, 'activity')}`);
  return {
    request_id: tagged(rng, 'req'),
    request_method: 'GET',
    status_code: rng.pick([200, 200, 200, 200, 200, 200, 429, 401]),
    url: `https://api.anthropic.com/v1/compliance/activities?${query.join('&')}`,
    request_body: null,
  };
}

/** A type the catalogue does not know: fields nobody has mapped yet, nested and flat. */
function futureTypeFields(ctx: ValueContext): Record<string, unknown> {
  const { rng } = ctx;
  return {
    resource_id: tagged(rng, 'rsrc'),
    workspace_id: rng.pick(ctx.tenant.workspaceIds),
    introduced_in: '2026-09',
    details: {
      trigger: rng.pick(['schedule', 'manual', 'webhook']),
      attempt: rng.between(1, 3),
      labels: ['beta'],
    },
  };
}

const REASON_CODES = [
  'safety_review',
  'incident_response',
  'policy_violation_investigation',
  'csae_report',
] as const;
const DEPARTMENTS = ['Safeguards', 'Trust & Safety'] as const;

/**
 * Fields of `anthropic_access` / `cmek_preserve` (spec/access-transparency.md §2.2): `created_at`
 * is when Anthropic recorded the event, `accessed_at` when it happened (0, 3, 6 or 9 fraction
 * digits). `transparency_log_leaf_index` is the store's to add: it exists only once the row
 * is eligible.
 */
function accessTransparencyFields(type: string, ctx: ValueContext): Record<string, unknown> {
  const { rng, tenant } = ctx;
  const lagMicros = 1000 + (rng.chance(0.9) ? rng.int(10_000_000) : rng.int(6 * 3_600_000_000));
  const out: Record<string, unknown> = {
    accessed_at: formatWithDigits(ctx.createdAtMicros - lagMicros, rng.pick([0, 3, 6, 9]), rng),
  };
  const workspace = rng.next();
  if (workspace < 0.6) {
    const id = rng.pick(tenant.workspaceIds);
    out.workspace_id = id;
    out.workspace_uuid = new Rng(hashString(id)).uuid();
  } else if (workspace < 0.8) out.workspace_id = null;
  out.accessor_department = rng.pick(DEPARTMENTS);
  // Views mostly cite the view reasons, preservations the preservation ones; any pairing is valid.
  const [first, second] = type === 'anthropic_access' ? [0, 1] : [2, 3];
  out.reason_code = rng.chance(0.85) ? REASON_CODES[rng.pick([first, second])] : rng.pick(REASON_CODES);
  // "Many access events carry no resource_details."
  const details = rng.next();
  if (details < 0.65) out.resource_details = { type: 'message', id: `msg_01${rng.base58(22)}` };
  else if (details < 0.75)
    out.resource_details = { type: 'message', id: `msg_01${rng.base58(22)}`, parent: null };
  else if (details < 0.8) out.resource_details = null;
  return out;
}

/** RFC 3339 with 0, 3, 6 or 9 fraction digits (nanoseconds drawn: the store keeps microseconds). */
function formatWithDigits(micros: number, digits: number, rng: Rng): string {
  const six = formatMicros(micros);
  if (digits === 6) return six;
  if (digits === 9) return six.replace(/Z$/, `${rng.chars('0123456789', 3)}Z`);
  return six.replace(/\.(\d{6})Z$/, (_, f: string) => (digits === 0 ? 'Z' : `.${f.slice(0, 3)}Z`));
}

// ---- picking what to generate -------------------------------------------------------------

/** Types a real tenant sees far more often than the long tail. */
const COMMON_TYPES = [
  'claude_chat_created',
  'claude_chat_viewed',
  'claude_chat_updated',
  'claude_file_uploaded',
  'claude_file_viewed',
  'claude_project_viewed',
  'claude_project_document_uploaded',
  'sso_login_succeeded',
  'magic_link_login_succeeded',
  'user_logged_out',
  'platform_api_key_created',
  'platform_api_key_updated',
  'platform_workspace_member_added',
  'org_user_invite_sent',
  'claude_artifact_viewed',
  SELF_EVENT_TYPE,
].filter((t) => CATALOGUE.has(t));

const ALL_TYPES = ACTIVITY_TYPES.map((t) => t.type);

/** Recorded when the Compliance API is switched off or on: only the switch makes one (recording.ts). */
export const SETTINGS_UPDATED_TYPE = 'org_compliance_api_settings_updated';
/** What the generator draws from: a random switch-off row would announce a gap that is not there. */
const DRAWN_TYPES = ALL_TYPES.filter((t) => t !== SETTINGS_UPDATED_TYPE);

const ACTOR_WEIGHT: Readonly<Record<string, number>> = {
  user_actor: 12,
  api_actor: 3,
  admin_api_key_actor: 3,
};
/** Share of rows whose actor is any of the 11 variants rather than a usual one. */
const UNUSUAL_ACTOR_RATE = 0.05;

export interface ActivityKind {
  readonly type: string;
  readonly actorType: string;
}

/**
 * Types newer than the catalogue (the feed grew from 467 to 483 types in a month): a forwarder
 * must pass them through, with fields and actor types it has never seen.
 */
export const FUTURE_TYPES = [
  'claude_workflow_run_started',
  'org_ai_governance_report_exported',
  'claude_code_sandbox_policy_updated',
] as const;
export const FUTURE_ACTOR_TYPE = 'delegated_agent_actor';

export interface KindMix {
  /** Share of Anthropic staff-access records (documented feed types missing from the enum). Default 0.002. */
  readonly staffAccessRate?: number;
  /** Share of types (and, for a third of them, actor types) newer than the catalogue. Default 0. */
  readonly futureTypeRate?: number;
}

/** A realistic (type, actor variant) mix: the common types half the time, the long tail otherwise. */
export function pickKind(seed: number, mix: KindMix = {}): ActivityKind {
  const rng = new Rng(mixSeed(seed, 0x6b1d));
  const r = rng.next();
  const staff = mix.staffAccessRate ?? 0.002;
  if (r < staff) return { type: rng.pick(UNLISTED_FEED_TYPES), actorType: 'anthropic_actor' };
  if (r < staff + (mix.futureTypeRate ?? 0)) {
    return { type: rng.pick(FUTURE_TYPES), actorType: rng.chance(1 / 3) ? FUTURE_ACTOR_TYPE : 'user_actor' };
  }
  const type = rng.chance(0.5) ? rng.pick(COMMON_TYPES) : rng.pick(DRAWN_TYPES);
  const actors = usualActors(type);
  const usual = rng.weighted(
    actors,
    actors.map((a) => ACTOR_WEIGHT[a] ?? 1),
  );
  // Any type may carry any variant: now and then one beyond the usual (its own stream, so
  // the other rows keep their kind).
  const unusual = new Rng(mixSeed(seed, 0xac7));
  return { type, actorType: unusual.chance(UNUSUAL_ACTOR_RATE) ? unusual.pick(allowedActors(type)) : usual };
}

/** A realistic activity chosen by seed alone. */
export function makeRandomActivity(
  seed: number,
  extra: Omit<MakeActivitySpec, 'type' | 'actorType' | 'seed'> = {},
): Activity {
  return makeActivity({ ...pickKind(seed), seed, ...extra });
}

/** Every (type, actor variant) the catalogue allows: for exhaustive tests. */
export function allKinds(): ActivityKind[] {
  const out: ActivityKind[] = [];
  for (const type of ALL_TYPES) for (const actorType of allowedActors(type)) out.push({ type, actorType });
  return out;
}

export { ACTOR_TYPES };

// ---- hostile content ----------------------------------------------------------------------

export interface HostileSpec {
  readonly type?: string;
  readonly actorType?: string;
  readonly createdAt?: string;
  readonly id?: string;
  readonly tenant?: Tenant;
}

/**
 * A valid activity whose string values are hostile to every encoder downstream: CR/LF,
 * quotes, `]`, `|`, `=`, `\`, NUL, emoji, RTL overrides, a forged syslog header, 3 KB
 * strings. Every sample appears in every hostile activity (as `hostile_<kind>` fields, plus
 * rotated into the actor and the type-specific string fields), so one record exercises all.
 */
export function makeHostileActivity(seed: number, spec: HostileSpec = {}): Activity {
  const kind =
    spec.type !== undefined
      ? { type: spec.type, actorType: spec.actorType ?? usualActors(spec.type)[0] }
      : pickKind(seed);
  const actorType =
    spec.actorType ??
    (kind.actorType === 'anthropic_actor' || kind.actorType === 'system_actor'
      ? 'user_actor'
      : kind.actorType);
  const base = makeActivity({
    type: kind.type,
    actorType,
    seed,
    createdAt: spec.createdAt,
    id: spec.id,
    tenant: spec.tenant,
  });
  const samples = hostileStrings();
  const names = Object.keys(samples);
  const rng = new Rng(mixSeed(seed, 0x405717e));
  let turn = rng.int(names.length);
  const nextSample = (): string => samples[names[turn++ % names.length]];

  const actor: Record<string, unknown> = { ...base.actor };
  for (const key of ['user_agent', 'email_address', 'unauthenticated_email_address', 'subject', 'service']) {
    if (typeof actor[key] === 'string') actor[key] = nextSample();
  }
  const out: Record<string, unknown> = { ...base, actor };
  for (const [key, value] of Object.entries(base)) {
    if (['id', 'created_at', 'organization_id', 'organization_uuid', 'type'].includes(key)) continue;
    if (typeof value === 'string') out[key] = nextSample();
  }
  for (const name of names) out[`hostile_${name}`] = samples[name];
  return out as Activity;
}
