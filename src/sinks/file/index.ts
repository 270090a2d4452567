import { mkdir, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defineSink } from '../factory';
import type { EncodedRecord, SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import { serializeEvent } from '../../normalize';
import { backoffPolicy, batchLimits } from '../../config/fields';
import { RetryableError, errorMessage } from '../../util/errors';
import { OneAtATime } from '../../util/one-at-a-time';
import { fileSinkConfig, type FileSinkConfig } from './config';
import { openNoFollow } from '../../util/no-follow';
import { HealthTracker } from '../runtime/health';
import { retryRequest } from '../runtime/retry-request';
import { SinkStats } from '../runtime/stats';

/** The batch buffer kept between batches: the default max_bytes (4 MiB) and some room. */
const MAX_KEPT_SCRATCH_BYTES = 8 * 1024 * 1024;

interface FileLine extends EncodedRecord {
  readonly line: string;
}

/**
 * Appends one JSON document per line and fsyncs before acknowledging. A failed write
 * (disk full, I/O error) is cut back to the last complete line before it is retried, so the
 * file never holds a torn line and a retried batch is not written twice.
 */
export class FileSink implements Sink<FileLine> {
  readonly type = 'file';
  readonly batch;
  private handle?: FileHandle;
  private size = 0;
  readonly stats = new SinkStats();
  private readonly healthTracker: HealthTracker;
  private readonly appends = new OneAtATime();
  private scratch = Buffer.alloc(0);
  private readonly path: string;

  constructor(
    readonly name: string,
    private readonly config: FileSinkConfig,
    private readonly ctx: SinkContext,
  ) {
    this.batch = batchLimits(config.batch);
    this.path = resolve(ctx.baseDir, config.path);
    this.healthTracker = new HealthTracker(ctx.logger.child({ sink: name }), `file ${this.path}`);
  }

  async start(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // 'r+' (not 'a') so a torn tail can be cut; create the file first if needed.
    const what = `the file of sink ${this.name} (sinks.${this.name}.path)`;
    await (await openNoFollow(this.path, 'append', what)).close();
    this.handle = await openNoFollow(this.path, 'update', what);
    this.size = await this.cutTornTail(this.handle, (await this.handle.stat()).size);
  }

  /**
   * A crash (kill -9, power loss) in the middle of a write can leave a partial last line.
   * Its records were never acknowledged, so the next run sends them again: cut the
   * fragment off instead of appending valid JSON to a broken line.
   */
  private async cutTornTail(handle: FileHandle, size: number): Promise<number> {
    if (size === 0) return 0;
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        if (keep === size) return size;
        await handle.truncate(keep);
        this.ctx.logger.warn('removed a torn last line left by a crash; its events are delivered again', {
          sink: this.name,
          path: this.path,
          bytes: size - keep,
        });
        return keep;
      }
      end = start;
    }
    await handle.truncate(0);
    this.ctx.logger.warn('removed a torn line left by a crash; its events are delivered again', {
      sink: this.name,
      path: this.path,
      bytes: size,
    });
    return 0;
  }

  encode(record: PipelineRecord): FileLine {
    const line = serializeEvent(record, this.config.format) + '\n';
    return { record, line, size: Buffer.byteLength(line) };
  }

  /**
   * Batches are appended one after the other, whatever `batch.concurrency` says: two appends
   * that began at the same end of the file would write over each other, and both batches
   * would be acknowledged.
   */
  async send(batch: readonly FileLine[], signal: AbortSignal): Promise<SendResult<FileLine>> {
    await this.appends.run(() => this.appendBatch(batch, signal));
    return { rejected: [] };
  }

  private async appendBatch(batch: readonly FileLine[], signal: AbortSignal): Promise<void> {
    const bytes = this.linesAsBytes(batch);
    await retryRequest(() => this.append(bytes), {
      signal,
      policy: backoffPolicy(this.config.retry),
      stats: this.stats,
      health: this.healthTracker,
      onRetry: (err, attempt, delayMs) =>
        this.ctx.logger.debug('file sink write failed; will retry', {
          sink: this.name,
          attempt,
          delay_ms: delayMs,
          error: errorMessage(err),
        }),
    });
  }

  /**
   * The batch's lines as UTF-8, written into a buffer kept from batch to batch (appends take
   * turns, so one is enough). Joining each batch into a string and encoding that allocated
   * two batch-sized blocks per batch, and the fresh memory cost more page faults than the
   * copying itself.
   */
  private linesAsBytes(batch: readonly FileLine[]): Buffer {
    let total = 0;
    for (const b of batch) total += b.size;
    let out = this.scratch;
    if (out.length < total) {
      out = Buffer.allocUnsafe(Math.max(total, 2 * out.length));
      // A batch beyond the usual size is encoded once and let go, not kept for the rest of the run.
      if (out.length <= MAX_KEPT_SCRATCH_BYTES) this.scratch = out;
    }
    let at = 0;
    for (const b of batch) at += out.write(b.line, at);
    return out.subarray(0, at);
  }

  private async append(bytes: Buffer): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new Error(`file sink ${this.name} used before start()`);
    const before = this.size;
    try {
      let written = 0;
      while (written < bytes.length) {
        const r = await handle.write(bytes, written, bytes.length - written, before + written);
        written += r.bytesWritten;
      }
      await handle.datasync();
      this.size = before + bytes.length;
      this.stats.request('ok');
      this.stats.sent(bytes.length);
      this.healthTracker.ok();
    } catch (err) {
      this.stats.request('retried');
      await handle.truncate(before).catch(() => undefined);
      throw new RetryableError(`cannot write ${this.path}: ${errorMessage(err)}`, undefined, { cause: err });
    }
  }

  health(): SinkHealth {
    return this.healthTracker.get();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

export const fileSinkFactory = defineSink({
  type: 'file',
  configSchema: fileSinkConfig,
  create: (name, config, ctx: SinkContext) => new FileSink(name, config, ctx),
});
