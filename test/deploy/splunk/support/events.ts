import { encodeEnvelope } from '../../../../src/sinks/splunk-hec/encode';
import type { OutputFormat } from '../../../../src/config/fields';
import type { Activity } from '../../../../src/source/activity';
import type { Fields } from './eval';

export const SOURCETYPE = 'anthropic:claude:compliance';

/**
 * The fields Splunk has for an activity our HEC sink sends: the envelope's indexed `fields`
 * and the event's JSON as KV_MODE=json names it (`a.b` for objects, `a{}` for arrays).
 * A JSON null is taken as the text `null`, as Splunk's JSON extraction shows it, so the
 * add-on must skip it (nullif) rather than make a CIM field of it.
 */
export function hecEventFields(activity: Activity, format: OutputFormat): Fields {
  const raw = JSON.stringify(activity);
  const { text } = encodeEnvelope(
    { seq: 1, activity, raw },
    { format, host: 'forwarder-1', sourcetype: SOURCETYPE },
  );
  const envelope = JSON.parse(text) as { fields: Record<string, string>; event: unknown; sourcetype: string };
  const fields = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const list = fields.get(name);
    if (list === undefined) fields.set(name, [value]);
    else list.push(value);
  };
  const walk = (value: unknown, path: string): void => {
    if (value === undefined) return;
    if (value === null) {
      if (path !== '') add(path, 'null');
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) walk(item, `${path}{}`);
    } else if (typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) walk(child, path === '' ? key : `${path}.${key}`);
    } else if (path !== '') add(path, String(value));
  };
  walk(envelope.event, '');
  for (const [name, value] of Object.entries(envelope.fields)) add(name, value);
  add('sourcetype', envelope.sourcetype);
  return fields;
}
