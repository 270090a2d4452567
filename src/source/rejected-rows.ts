import type { OversizedActivity } from './client';
import type { RejectedRow } from './window-check';

/** Oversized elements as rejected rows: named by id, their bytes left out of the dead-letter file. */
export function rejectedRows(oversized: readonly OversizedActivity[]): RejectedRow[] {
  return oversized.map((o) => {
    const id = o.id ?? '(no id)';
    const type = o.type ?? '(unknown)';
    const createdAt = o.created_at ?? '';
    return {
      id,
      type,
      created_at: createdAt,
      reason: 'oversized',
      detail: `activity ${id} is ${o.bytes} bytes, over the size cap for one activity; its content is not kept`,
      raw: JSON.stringify({
        id: o.id ?? null,
        type: o.type ?? null,
        created_at: o.created_at ?? null,
        omitted_bytes: o.bytes,
      }),
    };
  });
}
