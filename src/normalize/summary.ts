import type { Activity } from '../source/activity';
import { toOcsf } from './ocsf/build';
import { isNonEmptyString, isObject, type JsonObject } from './values';

/**
 * The flat view of an activity that line formats (CEF, LEEF) carry: read from the OCSF
 * event, so every format tells the same story from the one mapping table.
 */
export interface EventSummary {
  readonly id?: string;
  readonly type: string;
  readonly title: string;
  readonly timeMs: number;
  readonly className: string;
  readonly typeUid: number;
  readonly severityId: number;
  readonly outcome: 'success' | 'failure' | 'unknown';
  readonly actorType?: string;
  /** Who, for a person: email, else name, else id. */
  readonly actorName?: string;
  readonly actorUid?: string;
  readonly srcIp?: string;
  readonly userAgent?: string;
  readonly targetName?: string;
  readonly targetUid?: string;
  readonly subjectType?: string;
  readonly subjectUid?: string;
  readonly subjectName?: string;
  readonly organizationId?: string;
  /** `unmapped` as JSON: every field the named keys do not carry. */
  readonly details: string;
}

const str = (value: unknown): string | undefined => (isNonEmptyString(value) ? value : undefined);
const obj = (value: unknown): JsonObject => (isObject(value) ? value : {});

export function summarize(activity: Activity): EventSummary {
  const event = toOcsf(activity);
  const metadata = obj(event.metadata);
  const actor = obj(event.actor);
  const actorUser = obj(actor.user);
  const target = obj(event.user);
  const subject = obj(
    event.entity ??
      (Array.isArray(event.web_resources) ? event.web_resources[0] : undefined) ??
      event.group ??
      (Array.isArray(event.resources) ? event.resources[0] : undefined),
  );
  const unmapped = obj(event.unmapped);
  const status = event.status_id === 1 ? 'success' : event.status_id === 2 ? 'failure' : 'unknown';
  return {
    id: str(metadata.uid),
    type: str(metadata.event_code) ?? 'unknown',
    title: String(event.message),
    timeMs: event.time as number,
    className: String(event.class_name),
    typeUid: event.type_uid as number,
    severityId: event.severity_id as number,
    outcome: status,
    actorType: str(obj(unmapped.actor).type),
    actorName:
      str(actorUser.email_addr) ??
      str(actorUser.name) ??
      str(actorUser.uid) ??
      str(actor.app_name) ??
      str(actor.app_uid),
    actorUid: str(actorUser.uid) ?? str(actor.app_uid),
    srcIp: str(obj(event.src_endpoint).ip),
    userAgent: str(obj(event.http_request).user_agent),
    targetName: event.user === undefined ? undefined : (str(target.email_addr) ?? str(target.name)),
    targetUid: str(target.uid),
    subjectType: str(subject.type),
    subjectUid: str(subject.uid),
    subjectName: str(subject.name),
    organizationId: str(metadata.tenant_uid),
    details: JSON.stringify(unmapped),
  };
}
