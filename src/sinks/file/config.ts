import { z } from 'zod';
import { batchSchema, outputFormat, retrySchema } from '../../config/fields';

export const fileSinkConfig = z.strictObject({
  type: z.literal('file'),
  /** JSON Lines file, appended to; created with owner-only permissions. */
  path: z.string().min(1),
  format: outputFormat.default('ocsf'),
  batch: batchSchema({ max_events: 1000, max_bytes: '4MiB', timeout: '200ms' }),
  /** Waits between attempts to write after a failure (disk full, I/O error). */
  retry: retrySchema,
});
export type FileSinkConfig = z.output<typeof fileSinkConfig>;
