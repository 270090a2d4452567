import { z } from 'zod';
import { defineSink } from '../factory';
import type { EncodedRecord, SendResult, Sink, SinkContext } from '../sink';
import type { PipelineRecord } from '../../pipeline/record';
import { serializeEvent } from '../../normalize';
import { batchLimits, batchSchema, outputFormat } from '../../config/fields';
import { writeEvents } from '../../observability/guard';

export const stdoutSinkConfig = z.strictObject({
  type: z.literal('stdout'),
  format: outputFormat.default('ocsf'),
  /** Indent JSON for reading (demo); one line per event otherwise. */
  pretty: z.boolean().default(false),
  batch: batchSchema({ max_events: 500, max_bytes: '1MiB', timeout: '100ms' }),
});
export type StdoutSinkConfig = z.output<typeof stdoutSinkConfig>;

interface StdoutLine extends EncodedRecord {
  readonly text: string;
}

/** Writes events to standard output; acknowledged once the stream has taken the bytes. */
export class StdoutSink implements Sink<StdoutLine> {
  readonly type = 'stdout';
  readonly batch;

  constructor(
    readonly name: string,
    private readonly config: StdoutSinkConfig,
    private readonly stream: NodeJS.WritableStream = process.stdout,
  ) {
    this.batch = batchLimits(config.batch);
  }

  async start(): Promise<void> {}

  encode(record: PipelineRecord): StdoutLine {
    const json = serializeEvent(record, this.config.format);
    const text = (this.config.pretty ? JSON.stringify(JSON.parse(json), null, 2) : json) + '\n';
    return { record, text, size: Buffer.byteLength(text) };
  }

  send(batch: readonly StdoutLine[]): Promise<SendResult<StdoutLine>> {
    return new Promise((resolve, reject) => {
      writeEvents(this.stream, batch.map((b) => b.text).join(''), (err) => (err ? reject(err) : resolve({ rejected: [] })));
    });
  }

  health() {
    return { healthy: true };
  }

  async close(): Promise<void> {}
}

export const stdoutSinkFactory = defineSink({
  type: 'stdout',
  configSchema: stdoutSinkConfig,
  create: (name, config, _ctx: SinkContext) => new StdoutSink(name, config),
});
