import { z } from 'zod';
import { defineSink } from '../factory';
import type { EncodedRecord, SendResult, Sink, SinkContext, SinkHealth } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import { serializeEvent } from '../../normalize';
import { backoffPolicy, batchLimits, batchSchema, outputFormat, retrySchema } from '../../config/fields';
import { writeEvents } from '../../observability/guard';
import { RetryableError, errorMessage } from '../../util/errors';
import type { Logger } from '../../observability/logger';
import { HealthTracker } from '../runtime/health';
import { retryRequest } from '../runtime/retry-request';
import { SinkStats } from '../runtime/stats';

export const stdoutSinkConfig = z.strictObject({
  type: z.literal('stdout'),
  format: outputFormat.default('ocsf'),
  /** Indent JSON for reading (demo); one line per event otherwise. */
  pretty: z.boolean().default(false),
  batch: batchSchema({ max_events: 500, max_bytes: '1MiB', timeout: '100ms' }),
  /** Waits between attempts after a failed write (a reader that went away: EPIPE). */
  retry: retrySchema,
});
export type StdoutSinkConfig = z.output<typeof stdoutSinkConfig>;

interface StdoutLine extends EncodedRecord {
  readonly text: string;
}

/** Writes events to standard output; acknowledged once the stream has taken the bytes. */
export class StdoutSink implements Sink<StdoutLine> {
  readonly type = 'stdout';
  readonly batch;
  readonly stats = new SinkStats();
  private readonly healthTracker: HealthTracker;

  constructor(
    readonly name: string,
    private readonly config: StdoutSinkConfig,
    private readonly logger: Logger,
    private readonly stream: NodeJS.WritableStream = process.stdout,
  ) {
    this.batch = batchLimits(config.batch);
    this.healthTracker = new HealthTracker(logger.child({ sink: name }), 'standard output');
  }

  async start(): Promise<void> {}

  encode(record: PipelineRecord): StdoutLine {
    const json = serializeEvent(record, this.config.format);
    const text = (this.config.pretty ? JSON.stringify(JSON.parse(json), null, 2) : json) + '\n';
    return { record, text, size: Buffer.byteLength(text) };
  }

  async send(batch: readonly StdoutLine[], signal: AbortSignal): Promise<SendResult<StdoutLine>> {
    const text = batch.map((b) => b.text).join('');
    await retryRequest(() => this.write(text), {
      signal,
      policy: backoffPolicy(this.config.retry),
      stats: this.stats,
      health: this.healthTracker,
      onRetry: (err, attempt, delayMs) =>
        this.logger.debug('stdout write failed; will retry', {
          sink: this.name,
          attempt,
          delay_ms: delayMs,
          error: errorMessage(err),
        }),
    });
    return { rejected: [] };
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      writeEvents(this.stream, text, (err) => {
        if (err) {
          this.stats.request('retried');
          reject(
            new RetryableError(`cannot write to standard output: ${errorMessage(err)}`, undefined, {
              cause: err,
            }),
          );
          return;
        }
        this.stats.request('ok');
        this.stats.sent(Buffer.byteLength(text));
        this.healthTracker.ok();
        resolve();
      });
    });
  }

  health(): SinkHealth {
    return this.healthTracker.get();
  }

  async close(): Promise<void> {}
}

export const stdoutSinkFactory = defineSink({
  type: 'stdout',
  configSchema: stdoutSinkConfig,
  create: (name, config, ctx: SinkContext) => new StdoutSink(name, config, ctx.logger),
});
