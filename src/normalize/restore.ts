import type { Activity } from '../source/activity';
import { ecsActorBindings, ocsfActorBindings, type Binding } from './actor';
import { copyWithout, getPath, isObject, type JsonObject } from './values';

/**
 * The inverse of toOcsf / toEcs: the activity rebuilt from a normalized event alone. It is
 * what makes "nothing of the original is lost" checkable (the tests rebuild every type ×
 * actor variant and compare), and lets an OCSF or ECS archive be replayed as raw.
 *
 * A moved field is absent from `unmapped` / `anthropic.audit`; a field still there was never
 * moved and wins. That is exact because nothing derived is ever written at a moved field's
 * path (see actor.ts).
 */

const NOTHING: readonly string[] = [];

function restoreActor(
  remainder: unknown,
  event: JsonObject,
  bindingsOf: (type: unknown) => readonly Binding[],
): unknown {
  if (!isObject(remainder)) return remainder;
  const actor = copyWithout(remainder, NOTHING);
  for (const binding of bindingsOf(remainder.type)) {
    if (Object.prototype.hasOwnProperty.call(actor, binding.field)) continue;
    const value = getPath(event, binding.path);
    if (value !== undefined) actor[binding.field] = value;
  }
  return actor;
}

function restoreTop(out: JsonObject, field: string, value: unknown): void {
  if (value !== undefined && !Object.prototype.hasOwnProperty.call(out, field)) out[field] = value;
}

export function restoreFromOcsf(event: JsonObject): Activity {
  const unmapped = isObject(event.unmapped) ? event.unmapped : {};
  const out = copyWithout(unmapped, NOTHING);
  const metadata = isObject(event.metadata) ? event.metadata : {};
  restoreTop(out, 'id', metadata.uid);
  restoreTop(out, 'created_at', metadata.original_time);
  restoreTop(out, 'type', metadata.event_code);
  restoreTop(out, 'organization_id', metadata.tenant_uid);
  if (Object.prototype.hasOwnProperty.call(unmapped, 'actor'))
    out.actor = restoreActor(unmapped.actor, event, ocsfActorBindings);
  return out as unknown as Activity;
}

export function restoreFromEcs(doc: JsonObject): Activity {
  const anthropic = isObject(doc.anthropic) ? doc.anthropic : {};
  const audit = isObject(anthropic.audit) ? anthropic.audit : {};
  const out = copyWithout(audit, NOTHING);
  restoreTop(out, 'id', getPath(doc, ['event', 'id']));
  restoreTop(out, 'type', getPath(doc, ['event', 'action']));
  restoreTop(out, 'organization_id', getPath(doc, ['organization', 'id']));
  if (Object.prototype.hasOwnProperty.call(audit, 'actor'))
    out.actor = restoreActor(audit.actor, doc, ecsActorBindings);
  return out as unknown as Activity;
}
