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
  /**
   * Set only while the pipeline hands the record to its sinks: each format is serialized
   * once however many sinks use it (normalize/index.ts `serializeEvent`). Dropped right
   * after, so no record keeps a copy while it waits for acknowledgements.
   */
  serialized?: Map<OutputFormat, string>;
}
