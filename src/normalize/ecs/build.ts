import type { Activity } from '../../source/activity';
import { ecsActorBindings, moveActorFields } from '../actor';
import { eventOutcome, eventSeverityId, subjectOf, targetUserOf } from '../facts';
import type { NormalizeOptions } from '../options';
import { resolveMapping } from '../resolve';
import {
  copyWithout,
  isNonEmptyString,
  isObject,
  isStrictIsoTime,
  parseTimeMs,
  type JsonObject,
} from '../values';

/**
 * Activity → ECS 9 document, shaped like Elastic's `anthropic` integration: ECS fields for
 * what ECS models, and everything else verbatim under `anthropic.audit` (same names as the
 * API's). Moved to ECS (and out of `anthropic.audit`): id → event.id, type → event.action,
 * organization_id → organization.id, actor fields → source.ip, user_agent.original,
 * user.id / user.email (see actor.ts). `created_at` stays in `anthropic.audit` (microseconds
 * intact) beside the `@timestamp` derived from it. Other ECS fields (user.target, group,
 * http, url, related, event.start, event.reason) are copies.
 */

export const ECS_VERSION = '9.3.0';

export type EcsDocument = Record<string, unknown>;

export function toEcs(activity: Activity, options: NormalizeOptions = {}): EcsDocument {
  const src: JsonObject = isObject(activity) ? activity : {};
  const mapping = resolveMapping(src.type);
  const outcome = eventOutcome(mapping, src);
  const now = options.now ?? Date.now;
  const createdMs = now();

  const movedTop: string[] = [];
  const event: JsonObject = { kind: 'event', category: mapping.ecsCategory, type: mapping.ecsType };
  if (isNonEmptyString(src.type)) {
    event.action = src.type;
    movedTop.push('type');
  }
  event.outcome = outcome;
  if (isNonEmptyString(src.id)) {
    event.id = src.id;
    movedTop.push('id');
  }
  event.created = isoTime(createdMs);
  event.severity = eventSeverityId(mapping, outcome);

  const timestamp = ecsDate(src.created_at) ?? new Date(createdMs).toISOString();
  const occurred = mapping.occurredAt === undefined ? undefined : ecsDate(src[mapping.occurredAt]);
  if (occurred !== undefined) event.start = occurred;
  const reason = mapping.reasonField === undefined ? undefined : src[mapping.reasonField];
  if (isNonEmptyString(reason)) event.reason = reason;

  const doc: EcsDocument = {
    '@timestamp': timestamp,
    ecs: { version: ECS_VERSION },
    event,
    message: mapping.title,
  };
  if (isNonEmptyString(src.organization_id)) {
    doc.organization = { id: src.organization_id };
    movedTop.push('organization_id');
  }

  const actorIn = src.actor;
  const moved: JsonObject = {};
  const actorRemainder = isObject(actorIn)
    ? moveActorFields(actorIn, ecsActorBindings(actorIn.type), moved)
    : undefined;
  const user: JsonObject = isObject(moved.user) ? moved.user : {};
  const target = targetUserOf(mapping, src);
  if (target !== undefined) {
    const targetOut: JsonObject = {};
    if (target.uid !== undefined) targetOut.id = target.uid;
    if (target.email !== undefined) targetOut.email = target.email;
    user.target = targetOut;
  }
  if (Object.keys(user).length > 0) doc.user = user;
  if (moved.source !== undefined) doc.source = moved.source;
  if (moved.user_agent !== undefined) doc.user_agent = moved.user_agent;

  if (mapping.cls.key === 'group_management') {
    const subject = subjectOf(mapping, src);
    const group: JsonObject = {};
    if (subject.uid !== undefined) group.id = subject.uid;
    if (subject.name !== undefined) group.name = subject.name;
    if (Object.keys(group).length > 0) doc.group = group;
  }
  const http = httpOf(src);
  if (http !== undefined) doc.http = http;
  if (isNonEmptyString(src.url)) doc.url = { original: src.url };

  const related = relatedOf(user, doc.source);
  if (related !== undefined) doc.related = related;

  const audit = copyWithout(src, movedTop);
  if (actorRemainder !== undefined) audit.actor = actorRemainder;
  doc.anthropic = { audit };
  if (options.includeRawData) event.original = options.raw ?? JSON.stringify(activity);
  return doc;
}

/** An API time as ECS takes it: verbatim when strict ISO 8601 (microseconds kept), else re-rendered; undefined if no time. */
function ecsDate(value: unknown): string | undefined {
  const ms = parseTimeMs(value);
  if (ms === undefined) return undefined;
  return typeof value === 'string' && isStrictIsoTime(value) ? value : new Date(ms).toISOString();
}

/** Events normalized in the same millisecond share one `event.created` text. */
let lastCreatedMs = Number.NaN;
let lastCreatedIso = '';
function isoTime(ms: number): string {
  if (ms !== lastCreatedMs) {
    lastCreatedIso = new Date(ms).toISOString();
    lastCreatedMs = ms;
  }
  return lastCreatedIso;
}

function httpOf(src: JsonObject): JsonObject | undefined {
  const request: JsonObject = {};
  if (isNonEmptyString(src.request_method)) request.method = src.request_method;
  if (isNonEmptyString(src.request_id)) request.id = src.request_id;
  const http: JsonObject = {};
  if (Object.keys(request).length > 0) http.request = request;
  if (typeof src.status_code === 'number' && Number.isInteger(src.status_code))
    http.response = { status_code: src.status_code };
  return Object.keys(http).length > 0 ? http : undefined;
}

function relatedOf(user: JsonObject, source: unknown): JsonObject | undefined {
  const users: string[] = [];
  const add = (value: unknown) => {
    if (isNonEmptyString(value) && !users.includes(value)) users.push(value);
  };
  add(user.id);
  add(user.email);
  if (isObject(user.target)) {
    add(user.target.id);
    add(user.target.email);
  }
  const related: JsonObject = {};
  if (users.length > 0) related.user = users;
  if (isObject(source) && isNonEmptyString(source.ip)) related.ip = [source.ip];
  return Object.keys(related).length > 0 ? related : undefined;
}
