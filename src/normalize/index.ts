import type { Activity } from '../source/activity';
import type { PipelineRecord } from '../pipeline/record';
import type { OutputFormat } from '../config/fields';
import { toEcs } from './ecs/build';
import { toOcsf } from './ocsf/build';
import type { NormalizeOptions } from './options';

/**
 * normalize/ is pure: data in, data out, no I/O. Sinks call `serializeEvent` once per
 * record; `raw` reuses the JSON the source already produced. The mapping table
 * (mapping.ts) decides classes and categories; docs/mapping.md shows it per type.
 */
export { toOcsf, type OcsfEvent } from './ocsf/build';
export { toEcs, ECS_VERSION, type EcsDocument } from './ecs/build';
export {
  toCef,
  createCefEncoder,
  escapeCefHeader,
  escapeCefValue,
  CEF_DEFAULTS,
  type CefOptions,
  type ActivityEncoder,
} from './cef';
export {
  toLeef,
  createLeefEncoder,
  escapeLeefHeader,
  leefValueEscaper,
  unescapeLeefValue,
  leefDelimiterProblem,
  LEEF_DEFAULTS,
  LEEF_DEV_TIME_FORMAT,
  type LeefOptions,
} from './leef';
export {
  severityOf,
  ocsfSeverityId,
  cefSeverity,
  leefSeverity,
  syslogSeverity,
  type Severities,
} from './severity';
export { restoreFromOcsf, restoreFromEcs } from './restore';
export { resolveMapping, knownMappings, type Mapping } from './resolve';
export { OCSF_VERSION } from './ocsf/schema';
export type { NormalizeOptions } from './options';

export function normalize(
  activity: Activity,
  format: Exclude<OutputFormat, 'raw'>,
  options?: NormalizeOptions,
): Record<string, unknown> {
  return format === 'ocsf' ? toOcsf(activity, options) : toEcs(activity, options);
}

/** Options a sink may pass through `serializeEvent` (a sink's `include_raw_data`, a test clock). */
export type SerializeOptions = Omit<NormalizeOptions, 'raw'>;

/** The event as one JSON text in the chosen format. */
export function serializeEvent(
  record: PipelineRecord,
  format: OutputFormat,
  options?: SerializeOptions,
): string {
  if (format === 'raw') return record.raw;
  const shared = options === undefined ? record.serialized : undefined;
  const done = shared?.get(format);
  if (done !== undefined) return done;
  const normalizeOptions: NormalizeOptions | undefined = options?.includeRawData
    ? { ...options, raw: record.raw }
    : options;
  const text = JSON.stringify(normalize(record.activity, format, normalizeOptions));
  shared?.set(format, text);
  return text;
}
