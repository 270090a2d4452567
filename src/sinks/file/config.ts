import { z } from 'zod';
import { batchSchema, outputFormat } from '../../config/fields';

export const fileSinkConfig = z.strictObject({
  type: z.literal('file'),
  /** JSON Lines file, appended to; created with owner-only permissions. */
  path: z.string().min(1),
  format: outputFormat.default('ocsf'),
  batch: batchSchema({ max_events: 1000, max_bytes: '4MiB', timeout: '200ms' }),
});
export type FileSinkConfig = z.output<typeof fileSinkConfig>;
