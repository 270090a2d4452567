import type { EncodedRecord } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import type { OutputFormat } from '../../config/fields';
import { serializeEvent } from '../../normalize';
import { PermanentError } from '../../util/errors';

/** One HEC event envelope, ready to be concatenated into a request body. */
export interface HecEvent extends EncodedRecord {
  /** The envelope JSON followed by a newline (HEC accepts whitespace between envelopes). */
  readonly text: string;
}

export interface EnvelopeOptions {
  readonly format: OutputFormat;
  readonly host: string;
  readonly sourcetype: string;
  readonly source?: string;
  readonly index?: string;
}

/**
 * Epoch seconds with millisecond precision, as HEC wants it; undefined when the activity's
 * timestamp cannot be read (Splunk then stamps the receive time: better than losing the
 * event, and the original timestamp still travels inside the event).
 */
export function hecTime(createdAt: string): string | undefined {
  const ms = Date.parse(createdAt);
  return Number.isFinite(ms) ? (ms / 1000).toFixed(3) : undefined;
}

/**
 * Builds the envelope as text around the already-serialized event, so the event JSON is
 * produced once (by normalize) and never parsed again. `fields` are Splunk indexed fields:
 * flat strings only (nested values are refused with code 15), and the activity id there
 * lets searches and dedupe work without extracting the event.
 */
export function encodeEnvelope(record: PipelineRecord, opts: EnvelopeOptions): HecEvent {
  const event = serializeEvent(record, opts.format);
  // HEC refuses a missing or blank event (codes 12/13) and every event after it would wait.
  if (event.trim() === '')
    throw new PermanentError(`activity ${record.activity.id} serialized to an empty event`);
  const parts: string[] = [];
  const time = hecTime(record.activity.created_at);
  if (time !== undefined) parts.push(`"time":${time}`);
  parts.push(`"host":${JSON.stringify(opts.host)}`);
  if (opts.source !== undefined) parts.push(`"source":${JSON.stringify(opts.source)}`);
  parts.push(`"sourcetype":${JSON.stringify(opts.sourcetype)}`);
  if (opts.index !== undefined) parts.push(`"index":${JSON.stringify(opts.index)}`);
  const fields = { event_id: String(record.activity.id), activity_type: String(record.activity.type) };
  parts.push(`"fields":${JSON.stringify(fields)}`);
  parts.push(`"event":${event}`);
  const text = `{${parts.join(',')}}\n`;
  return { record, text, size: Buffer.byteLength(text) };
}
