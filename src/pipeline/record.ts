import type { Activity } from '../source/activity';
import type { OutputFormat } from '../config/fields';

/**
 * One activity as it travels through the pipeline. `raw` is the activity serialized once
 * when it left the source, so sinks with `format: raw` and the content hash never
 * serialize it again.
 */
export interface PipelineRecord {
  /** Position in delivery order; the ack tracker's unit. */
  readonly seq: number;
  readonly activity: Activity;
  readonly raw: string;
  /** false: filtered out. No sink gets it, but it still moves the checkpoint in order. */
  readonly deliver?: boolean;
  /** Found by the Access Transparency late lane, after the poll cycles had passed its created_at. */
  readonly foundLate?: boolean;
  /**
   * Made by the forwarder, not read from the feed (a transparency log finding): ordered and
   * acknowledged like any record, but it moves neither the watermark, the content hash, the
   * committed ids nor the delivered count, which all describe the feed.
   */
  readonly synthetic?: boolean;
  /**
   * Set only while the pipeline hands the record to its sinks: each format is serialized
   * once however many sinks use it (normalize/index.ts `serializeEvent`). A sink's privacy
   * block gives it a view of its own (routing/privacy.ts) with its own cache, shared only
   * by sinks with the same block. Dropped right after, so no record keeps a copy while it
   * waits for acknowledgements.
   */
  serialized?: Map<OutputFormat, string>;
}
