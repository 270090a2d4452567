import type { Activity } from '../source/activity';

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
}
