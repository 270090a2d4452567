import { mkdir, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PipelineRecord } from './record';
import type { Activity } from '../source/activity';
import type { RejectedRow } from '../source/window-check';
import { redact } from '../observability/redact';
import { OneAtATime } from '../util/one-at-a-time';
import { openNoFollow } from '../util/no-follow';

/**
 * The dead-letter file: one JSON line per activity a sink permanently refused, with the
 * sink, the reason and the activity exactly as the API sent it, so it can be inspected and
 * replayed. Written and fsynced before the record counts as handled.
 */
export class DeadLetterFile {
  private handle?: FileHandle;
  private readonly appends = new OneAtATime();
  count = 0;

  constructor(readonly path: string) {}

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    this.handle = await openNoFollow(this.path, 'append', 'the dead-letter file (dead_letter.path)');
  }

  write(
    sink: string,
    sinkType: string,
    entries: readonly { record: PipelineRecord; reason: string }[],
  ): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const time = new Date().toISOString();
    const text = entries
      .map(({ record, reason }) => {
        const a = record.activity;
        // A sink's reason may quote a server reply; it must not carry a credential to disk.
        const head = JSON.stringify({
          time,
          sink,
          sink_type: sinkType,
          reason: redact(reason),
          activity_id: a.id,
          activity_type: a.type,
          created_at: a.created_at,
        });
        return `${head.slice(0, -1)},"activity":${record.raw}}\n`;
      })
      .join('');
    // Serialize appends so lines from concurrent batches never interleave.
    return this.appends.run(async () => {
      if (!this.handle) await this.open();
      await this.handle!.appendFile(text);
      await this.handle!.datasync();
      this.count += entries.length;
    });
  }

  /** Rows the source refused (outside their window, oversized), under the sink name "source". */
  writeRejectedBySource(rows: readonly RejectedRow[]): Promise<void> {
    return this.write(
      'source',
      'compliance_api',
      rows.map((r) => ({
        record: {
          seq: -1,
          activity: { id: r.id, type: r.type, created_at: r.created_at } as Activity,
          raw: r.raw,
        },
        reason: r.detail,
      })),
    );
  }

  async close(): Promise<void> {
    await this.appends.settled();
    await this.handle?.close();
    this.handle = undefined;
  }
}
