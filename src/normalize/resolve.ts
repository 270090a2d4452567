import { ACTIVITY_TYPES, type CatalogueField } from '../catalogue';
import {
  ACTION_LABELS,
  CLASS_ACTIVITIES,
  DEFAULT_PRIVILEGE_FIELDS,
  DEFAULT_TARGET_USER_EMAIL,
  DEFAULT_TARGET_USER_ID,
  ECS_CATEGORY_BY_CLASS,
  ECS_TYPE_BY_ACTION,
  FAMILIES,
  SEVERITY_IDS,
  SUBJECT_PREFIXES,
  TYPES,
  VERBS,
  type Action,
  type EcsCategory,
  type EcsType,
  type Outcome,
  type Rule,
} from './mapping';
import { AUTH_PROTOCOL, OCSF_CLASSES, OTHER_ACTIVITY_ID, type OcsfClassInfo } from './ocsf/schema';

/**
 * Applies the mapping table to a type name. Catalogue types are resolved once at load;
 * other types once on first sight (bounded cache), so the per-event cost is a Map lookup.
 */

export interface Mapping {
  readonly type: string;
  readonly cls: OcsfClassInfo;
  readonly action: Action;
  readonly activityId: number;
  readonly activityName: string;
  readonly typeUid: number;
  readonly typeName: string;
  /** Before the activity's own outcome fields are consulted. */
  readonly outcome: Outcome;
  readonly severityId: number;
  /** What the activity is about, e.g. `api_key`. */
  readonly subject: string;
  /** Fields of the subject's id / name; undefined: none. */
  readonly subjectId?: string;
  readonly subjectName?: string;
  /** Subject fields found per event: types the catalogue does not know, or whose incomplete field list names no subject id. */
  readonly detectSubject: boolean;
  readonly targetUserId: readonly string[];
  readonly targetUserEmail: readonly string[];
  readonly targetIsActor: boolean;
  readonly privilegeFields: readonly string[];
  readonly privileges?: readonly string[];
  readonly service: string;
  readonly authProtocol?: { readonly id: number; readonly name: string };
  readonly mfa?: boolean;
  readonly ecsCategory: readonly EcsCategory[];
  readonly ecsType: readonly EcsType[];
  readonly occurredAt?: string;
  readonly resourceObject?: string;
  readonly reasonField?: string;
  /** Human-readable, e.g. "Platform API key created" (CEF/LEEF name, OCSF and ECS message). */
  readonly title: string;
  /** Where the rule came from, for the generated documentation. */
  readonly family?: string;
  readonly verb?: string;
  readonly listed: boolean;
  readonly inCatalogue: boolean;
}

const FAMILY_PREFIXES = Object.keys(FAMILIES).sort((a, b) => b.length - a.length);
const VERB_SUFFIXES = Object.keys(VERBS).sort((a, b) => b.length - a.length);

function matchFamily(type: string): string | undefined {
  return FAMILY_PREFIXES.find((prefix) => type.startsWith(prefix));
}

function matchVerb(type: string): string | undefined {
  return VERB_SUFFIXES.find((verb) => type === verb || type.endsWith(`_${verb}`));
}

function stripPrefix(name: string): string {
  for (const prefix of SUBJECT_PREFIXES)
    if (name.startsWith(prefix) && name.length > prefix.length) return name.slice(prefix.length);
  return name;
}

/** The object of the verb: the type name without its verb and product prefix. */
function subjectNoun(type: string, verb: string | undefined): string {
  let noun = type;
  if (verb !== undefined && type.length > verb.length) noun = type.slice(0, -(verb.length + 1));
  else if (verb === undefined && type.includes('_')) noun = type.slice(0, type.lastIndexOf('_'));
  return stripPrefix(noun);
}

/**
 * The field naming the subject, and what that id identifies:
 *   - `<subject>_id`, or an id whose name ends the subject (`connection_id` for
 *     `sso_connection`): the subject itself;
 *   - else an id whose name appears inside the subject (`mcp_server_id` for
 *     `mcp_server_managed_auth`, `workspace_id` for `workspace_rate_limit`): the container
 *     the subject belongs to, and the entity is that container.
 * `previous_` / `new_` / `old_` ids never qualify: they name another state of the subject.
 */
export function detectSubjectFields(
  subject: string,
  fields: readonly string[],
): { id?: string; name?: string; type: string } {
  const subjectTokens = subject.split('_');
  let bestId: string | undefined;
  let bestType = subject;
  let bestScore = 0;
  for (const field of fields) {
    if (!field.endsWith('_id') || field === 'organization_id') continue;
    const base = stripPrefix(field.slice(0, -3));
    if (/^(previous|new|old)_/.test(base)) continue;
    let score = 0;
    let type = subject;
    if (subject === base) score = 1000;
    else if (subject.endsWith(`_${base}`)) score = 500 + base.length;
    else if (containsTokens(subjectTokens, base.split('_'))) {
      score = 100 + base.length;
      type = base;
    }
    if (score > bestScore) {
      bestScore = score;
      bestId = field;
      bestType = type;
    }
  }
  const idBase = bestId === undefined ? undefined : bestId.slice(0, -3);
  const nameCandidates = [
    idBase === undefined ? undefined : `${idBase}_name`,
    `${bestType}_name`,
    `${bestType.slice(bestType.lastIndexOf('_') + 1)}_name`,
    ...(bestType === subject ? ['display_name', 'name', 'title', 'filename'] : []),
  ];
  const name = nameCandidates.find((candidate) => candidate !== undefined && fields.includes(candidate));
  return { id: bestId, name, type: bestType };
}

function containsTokens(haystack: readonly string[], needle: readonly string[]): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * The candidate fields a catalogue type actually has (all of them for unknown types): the
 * hot path then looks up only fields that can be there.
 */
function ownFields(
  candidates: readonly string[],
  catalogueFields: readonly CatalogueField[] | undefined,
): readonly string[] {
  if (catalogueFields === undefined) return candidates;
  return Object.freeze(candidates.filter((name) => catalogueFields.some((field) => field.name === name)));
}

/** Actions that stay true when said of the container instead of its part. */
export const CONTAINER_SAFE_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  'read',
  'update',
  'export',
  'search',
  'other',
]);

function isScalarStringField(field: CatalogueField): boolean {
  return /^(optional )?string( or null)?/.test(field.type) || /^"/.test(field.type);
}

/** Words written in capitals in titles ("Platform API key created"). */
const ACRONYMS: ReadonlySet<string> = new Set([
  'api',
  'sso',
  'scim',
  'mcp',
  'ip',
  'cli',
  'ghe',
  'lti',
  'rbac',
  'oauth',
  'ccr',
  'cmek',
  'otlp',
  'hipaa',
  'acl',
  'id',
  'url',
]);

function humanize(type: string): string {
  const words = type.split(/_+/).filter((word) => word.length > 0);
  if (words.length === 0) return 'Activity';
  const text = words.map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word)).join(' ');
  return text[0].toUpperCase() + text.slice(1);
}

/**
 * `fieldsKnown`: the catalogue's field list is complete. When it is not (`fields_unknown`),
 * fields it does not name still count: target users and privileges are looked up among all
 * candidates, and a subject id the list does not name is found per event.
 */
function buildMapping(
  type: string,
  catalogueFields: readonly CatalogueField[] | undefined,
  fieldsKnown = true,
): Mapping {
  const verb = matchVerb(type);
  const family = matchFamily(type);
  const explicit = TYPES[type];
  const fromVerb: Rule = verb === undefined ? {} : VERBS[verb];
  const rule: Rule = { ...fromVerb, ...(family === undefined ? {} : FAMILIES[family]), ...explicit };

  const cls = OCSF_CLASSES[rule.class ?? 'api_activity'];
  const noun = rule.subject ?? subjectNoun(type, verb);
  const fieldNames = catalogueFields?.filter(isScalarStringField).map((f) => f.name) ?? [];
  const detected =
    catalogueFields === undefined || rule.subjectId !== undefined
      ? undefined
      : detectSubjectFields(noun, fieldNames);
  const subject = detected?.type ?? noun;
  const subjectId = rule.subjectId === null ? undefined : (rule.subjectId ?? detected?.id);
  const subjectName = rule.subjectName === null ? undefined : (rule.subjectName ?? detected?.name);
  // A part of a container (a workspace's rate limit) created or deleted is the container
  // updated: "workspace deleted" would be a lie.
  const onContainer = subject !== noun && !CONTAINER_SAFE_ACTIONS.has(rule.action ?? 'other');
  const action: Action = onContainer ? 'update' : (rule.action ?? 'other');
  const activityId = CLASS_ACTIVITIES[cls.key][action] ?? OTHER_ACTIVITY_ID;
  const activityName = activityId === OTHER_ACTIVITY_ID ? ACTION_LABELS[action] : cls.activities[activityId];
  const outcome: Outcome = rule.outcome ?? 'success';
  const severityId = SEVERITY_IDS[rule.severity ?? (outcome === 'failure' ? 'low' : 'informational')];

  const protocol = rule.authProtocol;
  const authProtocol =
    protocol === undefined
      ? undefined
      : typeof protocol === 'string'
        ? AUTH_PROTOCOL[protocol]
        : { id: OTHER_ACTIVITY_ID, name: protocol.other };

  // Shared by every event of the type: frozen so no consumer can change them for the others.
  return Object.freeze({
    type,
    cls,
    action,
    activityId,
    activityName,
    typeUid: cls.uid * 100 + activityId,
    typeName: `${cls.name}: ${activityId === OTHER_ACTIVITY_ID ? 'Other' : activityName}`,
    outcome,
    severityId,
    subject,
    subjectId,
    subjectName,
    detectSubject:
      rule.subjectId === undefined &&
      (catalogueFields === undefined || (!fieldsKnown && detected?.id === undefined)),
    targetUserId: ownFields(
      rule.targetUserId ?? DEFAULT_TARGET_USER_ID,
      fieldsKnown ? catalogueFields : undefined,
    ),
    targetUserEmail: ownFields(
      rule.targetUserEmail ?? DEFAULT_TARGET_USER_EMAIL,
      fieldsKnown ? catalogueFields : undefined,
    ),
    targetIsActor: rule.targetIsActor ?? (cls.key === 'authentication' || cls.key === 'account_change'),
    privilegeFields: rule.privilegeFields ?? DEFAULT_PRIVILEGE_FIELDS,
    privileges: rule.privileges,
    service: rule.service ?? 'Claude',
    authProtocol,
    mfa: rule.mfa,
    ecsCategory: Object.freeze([...ecsCategory(rule, cls, action, outcome)]),
    ecsType: Object.freeze([...ecsType(rule, cls, action)]),
    occurredAt: rule.occurredAt,
    resourceObject: rule.resourceObject,
    reasonField: rule.reasonField,
    title: humanize(type),
    family,
    verb,
    listed: explicit !== undefined,
    inCatalogue: catalogueFields !== undefined,
  });
}

function ecsCategory(
  rule: Rule,
  cls: OcsfClassInfo,
  action: Action,
  outcome: Outcome,
): readonly EcsCategory[] {
  const base = rule.ecsCategory ?? ECS_CATEGORY_BY_CLASS[cls.key];
  // A completed sign-in starts a session and a sign-out ends one.
  if (cls.key === 'authentication' && ((action === 'logon' && outcome === 'success') || action === 'logoff'))
    return [...base, 'session'];
  return base;
}

function ecsType(rule: Rule, cls: OcsfClassInfo, action: Action): readonly EcsType[] {
  if (rule.ecsType !== undefined) return rule.ecsType;
  const base = ECS_TYPE_BY_ACTION[action];
  if (cls.key === 'account_change') return ['user', base];
  if (cls.key === 'user_access') return ['user', 'change'];
  if (cls.key === 'group_management') return ['group', base];
  return [base];
}

// ---- lookup --------------------------------------------------------------------------------

const CATALOGUE_MAPPINGS = new Map<string, Mapping>();
for (const entry of ACTIVITY_TYPES)
  CATALOGUE_MAPPINGS.set(entry.type, buildMapping(entry.type, entry.fields, entry.fields_unknown !== true));
// Feed types the reference documents outside its enum get a table entry, not the catalogue's.
for (const type of Object.keys(TYPES))
  if (!CATALOGUE_MAPPINGS.has(type)) CATALOGUE_MAPPINGS.set(type, buildMapping(type, undefined));

/** Unknown types seen at run time; bounded so a feed of garbage types cannot grow memory. */
const UNKNOWN_CACHE_LIMIT = 1024;
const unknownMappings = new Map<string, Mapping>();

/** The mapping of an activity type (any string; non-strings map as `unknown`). */
export function resolveMapping(type: unknown): Mapping {
  const name = typeof type === 'string' ? type : 'unknown';
  const known = CATALOGUE_MAPPINGS.get(name) ?? unknownMappings.get(name);
  if (known !== undefined) return known;
  const mapping = buildMapping(name, undefined);
  if (unknownMappings.size >= UNKNOWN_CACHE_LIMIT) unknownMappings.clear();
  unknownMappings.set(name, mapping);
  return mapping;
}

/** Every mapping the table fixes in advance: the catalogue's types and the listed extras. */
export function knownMappings(): readonly Mapping[] {
  return [...CATALOGUE_MAPPINGS.values()];
}
