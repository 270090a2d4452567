import type { EncodedRecord } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import { serializeEvent } from '../../normalize';
import type { OutputFormat } from '../../config/fields';
import type { TopicRouter } from './topics';

/** One Kafka message, independent of the client library that will send it. */
export interface KafkaMessage {
  readonly topic: string;
  /** The activity id: same key → same partition (per-activity order) and a dedupe handle. */
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

export interface KafkaRecord extends EncodedRecord {
  readonly message: KafkaMessage;
}

/**
 * Kafka's per-record framing in a v2 record batch (length, attributes, deltas, key and value
 * lengths, header count and lengths: varints) stays under this; counted so that byte-bounded
 * batches stay under the broker's message.max.bytes.
 */
const RECORD_OVERHEAD_BYTES = 32;

/** What the `schema` header says for each format (the body's schema). */
const SCHEMA_NAMES: Readonly<Record<OutputFormat, string>> = {
  ocsf: 'ocsf',
  ecs: 'ecs',
  raw: 'anthropic.compliance.activity',
};
/** The raw body is the API's own object, whose version is the API path's. */
const RAW_SCHEMA_VERSION = 'v1';

/**
 * Reads the schema version from a normalized event. normalize/ owns the OCSF and ECS
 * versions; reading them from the body (once per sink) keeps the header equal to what the
 * body actually claims.
 */
function versionIn(json: string, format: OutputFormat): string {
  if (format === 'raw') return RAW_SCHEMA_VERSION;
  try {
    const doc = JSON.parse(json) as { metadata?: { version?: unknown }; ecs?: { version?: unknown } };
    const version = format === 'ocsf' ? doc.metadata?.version : doc.ecs?.version;
    return typeof version === 'string' && version ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** record → Kafka message: topic by family, key = activity id, value = normalized event. */
export class KafkaEncoder {
  private schemaVersion?: string;

  constructor(
    private readonly format: OutputFormat,
    private readonly router: TopicRouter,
    private readonly source: string,
  ) {}

  encode(record: PipelineRecord): KafkaRecord {
    const json = serializeEvent(record, this.format);
    this.schemaVersion ??= versionIn(json, this.format);
    const { activity } = record;
    const headers = {
      schema: SCHEMA_NAMES[this.format],
      schema_version: this.schemaVersion,
      activity_type: activity.type,
      source: this.source,
    };
    // No record timestamp: the client stamps the time of sending. Stamping the activity's
    // created_at instead would let time-based retention delete a backfill of old activities
    // as soon as it lands; the event time is in the body.
    const message: KafkaMessage = {
      topic: this.router.topicFor(activity.type),
      key: Buffer.from(activity.id),
      value: Buffer.from(json),
      headers,
    };
    let size = RECORD_OVERHEAD_BYTES + message.key.length + message.value.length;
    for (const [name, value] of Object.entries(headers))
      size += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
    return { record, message, size };
  }
}
