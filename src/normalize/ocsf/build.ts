import type { Activity } from '../../source/activity';
import { decorateOcsfActor, moveActorFields, ocsfActorBindings } from '../actor';
import { eventOutcome, eventSeverityId, privilegesOf, subjectOf, targetUserOf, type Subject } from '../facts';
import type { NormalizeOptions } from '../options';
import { resolveMapping, type Mapping } from '../resolve';
import {
  copyWithout,
  isNonEmptyString,
  isObject,
  isOcsfEmail,
  parseTimeMs,
  type JsonObject,
} from '../values';
import { HTTP_METHODS, OCSF_VERSION, SEVERITY_NAMES, STATUS, USER_TYPE } from './schema';

/**
 * Activity → OCSF 1.8.0 event of the class the mapping table names. Valid against the
 * strict schemas for every type and actor variant, hostile values included: a value that
 * cannot take its OCSF home stays in `unmapped`, where everything without a home goes.
 *
 * Homes of the common fields (moved out of `unmapped`; `restore.ts` inverts this):
 *   id → metadata.uid, created_at → metadata.original_time (and `time`, epoch ms),
 *   type → metadata.event_code (and api.operation), organization_id → metadata.tenant_uid,
 *   actor fields → actor / src_endpoint / http_request (see actor.ts).
 * Type-specific fields always stay in `unmapped`, verbatim: the same field is then found at
 * the same place whatever the class, and entity / resources / user / privileges / start_time
 * are copies of them.
 */

export type OcsfEvent = Record<string, unknown>;

const PRODUCT = Object.freeze({
  name: 'Claude',
  vendor_name: 'Anthropic',
  feature: Object.freeze({ name: 'Compliance API' }),
});

export function toOcsf(activity: Activity, options: NormalizeOptions = {}): OcsfEvent {
  const src: JsonObject = isObject(activity) ? activity : {};
  const mapping = resolveMapping(src.type);
  const cls = mapping.cls;
  const outcome = eventOutcome(mapping, src);
  const severityId = eventSeverityId(mapping, outcome);
  const status = STATUS[outcome];

  // Common fields: moved where they have a home.
  const movedTop: string[] = [];
  const metadata: JsonObject = { version: OCSF_VERSION, product: PRODUCT };
  if (isNonEmptyString(src.id)) {
    metadata.uid = src.id;
    movedTop.push('id');
  }
  if (typeof src.created_at === 'string') {
    metadata.original_time = src.created_at;
    movedTop.push('created_at');
  }
  if (isNonEmptyString(src.type)) {
    metadata.event_code = src.type;
    movedTop.push('type');
  }
  if (isNonEmptyString(src.organization_id)) {
    metadata.tenant_uid = src.organization_id;
    movedTop.push('organization_id');
  }

  // Actor fields: moved into a staging event, then completed for the variant.
  const staged: JsonObject = {};
  const actorIn = src.actor;
  const actorType = isObject(actorIn) ? actorIn.type : undefined;
  const actorRemainder = isObject(actorIn)
    ? moveActorFields(actorIn, ocsfActorBindings(actorType), staged)
    : undefined;
  const actor = decorateOcsfActor(actorType, isObject(actorIn) ? actorIn : {}, staged);

  const event: OcsfEvent = {
    class_uid: cls.uid,
    class_name: cls.name,
    category_uid: cls.categoryUid,
    category_name: cls.categoryName,
    activity_id: mapping.activityId,
    activity_name: mapping.activityName,
    type_uid: mapping.typeUid,
    type_name: mapping.typeName,
    severity_id: severityId,
    severity: SEVERITY_NAMES[severityId],
    status_id: status.id,
    status: status.name,
    time: parseTimeMs(src.created_at) ?? (options.now ?? Date.now)(),
    message: mapping.title,
    metadata,
    actor,
  };
  if (outcome === 'failure' && isNonEmptyString(src.reason)) event.status_detail = src.reason;
  const occurredMs = mapping.occurredAt === undefined ? undefined : parseTimeMs(src[mapping.occurredAt]);
  if (occurredMs !== undefined) event.start_time = occurredMs;

  const subject = subjectOf(mapping, src);
  CLASS_BUILDERS[cls.key](event, { mapping, src, subject, actor });

  const srcEndpoint = staged.src_endpoint;
  if (isObject(srcEndpoint)) event.src_endpoint = srcEndpoint;
  else if (cls.key === 'api_activity') {
    // API Activity requires a source endpoint; several actor variants (system, staff,
    // SCIM sync) have no address, so the endpoint is named after the actor type.
    event.src_endpoint = { name: isNonEmptyString(actorType) ? actorType : 'unknown' };
  }
  const httpRequest = httpRequestOf(staged, src, mapping);
  if (httpRequest !== undefined) event.http_request = httpRequest;
  if (typeof src.status_code === 'number' && Number.isInteger(src.status_code))
    event.http_response = { code: src.status_code };

  const unmapped = copyWithout(src, movedTop);
  if (actorRemainder !== undefined) unmapped.actor = actorRemainder;
  event.unmapped = unmapped;
  if (options.includeRawData) event.raw_data = options.raw ?? JSON.stringify(activity);
  return event;
}

interface BuildContext {
  readonly mapping: Mapping;
  readonly src: JsonObject;
  readonly subject: Subject;
  readonly actor: JsonObject;
}

type ClassBuilder = (event: OcsfEvent, ctx: BuildContext) => void;

/** Entity / resource / web resource / group object of the subject; named after its type when the activity names nothing. */
function subjectObject(subject: Subject): JsonObject {
  const out: JsonObject = {};
  if (subject.uid !== undefined) out.uid = subject.uid;
  const name = subject.name ?? (subject.uid === undefined ? subject.type : undefined);
  if (name !== undefined) out.name = name;
  out.type = subject.type;
  return out;
}

/** Resources only when the activity names one: a list of a bare type says nothing. */
function namedResources(subject: Subject): JsonObject[] | undefined {
  return subject.uid === undefined && subject.name === undefined ? undefined : [subjectObject(subject)];
}

/** The user acted upon: from the activity's fields, else the actor (self-service), else unknown. */
function targetUser(ctx: BuildContext): JsonObject {
  const target = targetUserOf(ctx.mapping, ctx.src);
  if (target !== undefined) {
    const user: JsonObject = {};
    if (target.uid !== undefined) user.uid = target.uid;
    if (target.email !== undefined) {
      if (isOcsfEmail(target.email)) user.email_addr = target.email;
      if (target.uid === undefined) user.name = target.email;
    }
    return user;
  }
  if (ctx.mapping.targetIsActor && isObject(ctx.actor.user)) return { ...ctx.actor.user };
  return { name: 'unknown', ...USER_TYPE.unknown };
}

const CLASS_BUILDERS: Readonly<Record<Mapping['cls']['key'], ClassBuilder>> = {
  api_activity(event, { mapping, src, subject }) {
    const api: JsonObject = {
      operation: typeof src.type === 'string' && src.type.length > 0 ? src.type : 'unknown',
    };
    api.service = { name: mapping.service };
    if (isNonEmptyString(src.request_id)) api.request = { uid: src.request_id };
    event.api = api;
    const resources = namedResources(subject);
    if (resources !== undefined) event.resources = resources;
  },
  authentication(event, ctx) {
    const { mapping } = ctx;
    event.user = targetUser(ctx);
    event.service = { name: mapping.service };
    if (mapping.authProtocol !== undefined) {
      event.auth_protocol_id = mapping.authProtocol.id;
      event.auth_protocol = mapping.authProtocol.name;
    }
    if (mapping.mfa !== undefined) event.is_mfa = mapping.mfa;
  },
  account_change(event, ctx) {
    event.user = targetUser(ctx);
  },
  user_access(event, ctx) {
    event.user = targetUser(ctx);
    event.privileges = privilegesOf(ctx.mapping, ctx.src);
    const resources = namedResources(ctx.subject);
    if (resources !== undefined) event.resources = resources;
  },
  group_management(event, ctx) {
    event.group = subjectObject(ctx.subject);
    const member = targetUserOf(ctx.mapping, ctx.src);
    if (member !== undefined) {
      const user: JsonObject = {};
      if (member.uid !== undefined) user.uid = member.uid;
      else if (member.email !== undefined) user.name = member.email;
      if (member.email !== undefined && isOcsfEmail(member.email)) user.email_addr = member.email;
      event.user = user;
    }
  },
  entity_management(event, { subject }) {
    event.entity = subjectObject(subject);
  },
  web_resources_activity(event, { subject }) {
    event.web_resources = [subjectObject(subject)];
    // In 6001, `actor` exists only through the host profile.
    (event.metadata as JsonObject).profiles = ['host'];
  },
};

function httpRequestOf(staged: JsonObject, src: JsonObject, mapping: Mapping): JsonObject | undefined {
  const request: JsonObject = isObject(staged.http_request) ? staged.http_request : {};
  if (mapping.cls.key === 'api_activity') {
    if (typeof src.request_method === 'string' && HTTP_METHODS.has(src.request_method))
      request.http_method = src.request_method;
    if (isNonEmptyString(src.url)) request.url = urlObject(src.url);
  }
  return Object.keys(request).length > 0 ? request : undefined;
}

/** `url_string` plus the path and query, split without a URL parser (cheap, never throws). */
function urlObject(url: string): JsonObject {
  const out: JsonObject = { url_string: url };
  const scheme = url.indexOf('://');
  const pathStart = scheme >= 0 ? url.indexOf('/', scheme + 3) : url.startsWith('/') ? 0 : -1;
  if (scheme >= 0) {
    const authority = url.slice(scheme + 3, pathStart >= 0 ? pathStart : undefined);
    const host = authority.replace(/:\d+$/, '');
    if (host.length > 0 && !host.includes('?')) out.hostname = host;
    out.scheme = url.slice(0, scheme);
  }
  if (pathStart >= 0) {
    const rest = url.slice(pathStart);
    const q = rest.indexOf('?');
    out.path = q >= 0 ? rest.slice(0, q) : rest;
    if (q >= 0 && q + 1 < rest.length) out.query_string = rest.slice(q + 1);
  }
  return out;
}
