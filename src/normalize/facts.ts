import type { Outcome } from './mapping';
import { CONTAINER_SAFE_ACTIONS, detectSubjectFields, type Mapping } from './resolve';
import { firstString, isNonEmptyString, isObject, type JsonObject } from './values';

/**
 * What one activity says beyond its type's mapping — outcome, subject, user acted upon,
 * privileges — read the same way for OCSF, ECS, CEF and LEEF.
 */

function outcomeWord(value: unknown): Outcome | undefined {
  if (value === 'success' || value === 'succeeded') return 'success';
  if (value === 'failure' || value === 'failed') return 'failure';
  return undefined;
}

/** The type's default outcome, refined by the fields that report one. */
export function eventOutcome(mapping: Mapping, src: JsonObject): Outcome {
  const code = src.status_code;
  if (typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599)
    return code < 400 ? 'success' : 'failure';
  const word =
    outcomeWord(src.outcome) ??
    (isObject(src.status) ? outcomeWord(src.status.outcome) : undefined) ??
    outcomeWord(src.validation_result);
  if (word !== undefined) return word;
  if (src.result === 'imported') return 'success';
  if (typeof src.result === 'string' && /^(failed|rejected)/.test(src.result)) return 'failure';
  if (src.decision === 'blocked') return 'failure';
  return mapping.outcome;
}

/** A failure is worth at least a Low severity, whatever the type's default. */
export function eventSeverityId(mapping: Mapping, outcome: Outcome): number {
  return outcome === 'failure' && mapping.severityId < 2 ? 2 : mapping.severityId;
}

export interface Subject {
  readonly uid?: string;
  readonly name?: string;
  readonly type: string;
}

/** What the activity is about: its id and name fields per the mapping (detected per event for unknown types). */
export function subjectOf(mapping: Mapping, src: JsonObject): Subject {
  const resource = mapping.resourceObject === undefined ? undefined : src[mapping.resourceObject];
  if (isObject(resource) && isNonEmptyString(resource.id)) {
    return { uid: resource.id, type: isNonEmptyString(resource.type) ? resource.type : mapping.subject };
  }
  let idField = mapping.subjectId;
  let nameField = mapping.subjectName;
  let type = mapping.subject;
  if (mapping.detectSubject) {
    const fields = Object.keys(src).filter((key) => isNonEmptyString(src[key]));
    const detected = detectSubjectFields(mapping.subject, fields);
    // As for listed types: a container's id may name the subject only when the action holds for the container too.
    if (detected.type === mapping.subject || CONTAINER_SAFE_ACTIONS.has(mapping.action)) {
      idField = detected.id;
      nameField = detected.name;
      type = detected.type;
    }
  }
  const uid = idField === undefined ? undefined : src[idField];
  const name = nameField === undefined ? undefined : src[nameField];
  return {
    uid: isNonEmptyString(uid) ? uid : undefined,
    name: isNonEmptyString(name) ? name : undefined,
    type,
  };
}

export interface TargetUser {
  readonly uid?: string;
  readonly email?: string;
}

/** The user acted upon, from the activity's own fields (not the actor). */
export function targetUserOf(mapping: Mapping, src: JsonObject): TargetUser | undefined {
  const uid = firstString(src, mapping.targetUserId);
  const email = firstString(src, mapping.targetUserEmail);
  if (uid !== undefined || email !== undefined) return { uid, email };
  // Group changes name their members in a list; one member is the user of the event.
  const members = src.member_ids;
  if (Array.isArray(members) && members.length === 1 && isNonEmptyString(members[0]))
    return { uid: members[0] };
  return undefined;
}

/** User Access Management privileges: constant per type, or read from the role fields. */
export function privilegesOf(mapping: Mapping, src: JsonObject): string[] {
  if (mapping.privileges !== undefined) return [...mapping.privileges];
  for (const field of mapping.privilegeFields) {
    const value = src[field];
    if (isNonEmptyString(value)) return [value];
    if (Array.isArray(value)) {
      // `updates: [{type, previous_value, current_value}]`: the values now in force.
      const found = value.flatMap((item: unknown) => {
        if (isNonEmptyString(item)) return [item];
        if (isObject(item) && isNonEmptyString(item.current_value)) return [item.current_value];
        return [];
      });
      if (found.length > 0) return found;
    }
  }
  return [];
}
