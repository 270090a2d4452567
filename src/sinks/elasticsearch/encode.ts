import type { EncodedRecord } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import type { OutputFormat } from '../../config/fields';
import { serializeEvent } from '../../normalize';
import { isStrictIsoTime, parseTimeMs } from '../../normalize/values';
import { PermanentError } from '../../util/errors';
import { dataStreamParts } from './config';

/** One `create` action and its document, ready to be joined into a `_bulk` body. */
export interface BulkDocument extends EncodedRecord {
  /** The action line and the source line, each ending in a newline. */
  readonly text: string;
}

export interface DocumentOptions {
  readonly format: OutputFormat;
  readonly index: string;
}

/** Elasticsearch refuses longer `_id`s. */
const MAX_ID_BYTES = 512;

/** `@timestamp` as a data stream needs it: `created_at` when ES reads it verbatim, else re-rendered. */
function timestampOf(createdAt: unknown): string {
  const ms = parseTimeMs(createdAt);
  if (ms === undefined) return new Date().toISOString();
  return typeof createdAt === 'string' && isStrictIsoTime(createdAt) ? createdAt : new Date(ms).toISOString();
}

/**
 * `create` with `_id` = the activity id, so a resend is refused as a duplicate (409) instead
 * of stored twice. Every format gets `@timestamp` (data streams need it); for a
 * `<type>-<dataset>-<namespace>` target the ECS `data_stream.*` fields and `event.dataset`
 * name the same stream, since the `logs` template types them as constant keywords.
 */
export function encodeDocument(record: PipelineRecord, opts: DocumentOptions): BulkDocument {
  const id = record.activity.id;
  if (typeof id !== 'string' || id === '' || Buffer.byteLength(id) > MAX_ID_BYTES)
    throw new PermanentError(
      `activity id ${JSON.stringify(String(id)).slice(0, 80)} cannot be an Elasticsearch _id (1 to ${MAX_ID_BYTES} bytes)`,
    );
  const action = `{"create":{"_index":${JSON.stringify(opts.index)},"_id":${JSON.stringify(id)}}}\n`;
  const text = `${action}${documentSource(record, opts)}\n`;
  return { record, text, size: Buffer.byteLength(text) };
}

/** The document as stored (the bulk source line, without its newline); also dry-run's preview. */
export function documentSource(record: PipelineRecord, opts: DocumentOptions): string {
  const stream = dataStreamParts(opts.index);
  return opts.format === 'ecs' ? ecsSource(record, stream) : splicedSource(record, opts.format, stream);
}

type Stream = ReturnType<typeof dataStreamParts>;

function ecsSource(record: PipelineRecord, stream: Stream): string {
  const doc = JSON.parse(serializeEvent(record, 'ecs')) as Record<string, unknown>;
  if (!stream) return JSON.stringify(doc);
  const event = (doc.event ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...doc, data_stream: stream, event: { ...event, dataset: stream.dataset } });
}

/**
 * OCSF and raw documents keep their text as serialized (raw stays byte-for-byte the API's)
 * with our fields spliced in front; a field the activity itself carries is left alone.
 */
function splicedSource(record: PipelineRecord, format: OutputFormat, stream: Stream): string {
  const serialized = serializeEvent(record, format).trim();
  // NDJSON: a source line may hold no line break (JSON allows them between tokens).
  const text = /[\r\n]/.test(serialized) ? JSON.stringify(JSON.parse(serialized)) : serialized;
  if (!text.startsWith('{'))
    throw new PermanentError(`activity ${record.activity.id} is not a JSON object in format ${format}`);
  const activity = record.activity as Record<string, unknown>;
  // Only raw documents have the activity's own keys at the top.
  const has = (key: string): boolean => format === 'raw' && Object.hasOwn(activity, key);
  const added: string[] = [];
  if (!has('@timestamp')) added.push(`"@timestamp":${JSON.stringify(timestampOf(activity.created_at))}`);
  if (stream && !has('data_stream')) added.push(`"data_stream":${JSON.stringify(stream)}`);
  if (added.length === 0) return text;
  const rest = text.slice(1).trimStart();
  return `{${added.join(',')}${rest.startsWith('}') ? '' : ','}${rest}`;
}
