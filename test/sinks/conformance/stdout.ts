import { Writable } from 'node:stream';
import { StdoutSink, stdoutSinkConfig } from '../../../src/sinks/stdout';
import { FAST_RETRY, type Harness } from './harness';

/**
 * Standard output, captured: the test runner owns this process's stdout. While broken, a
 * write fails with EPIPE, as it does when the reader of a pipe went away.
 */
class CapturedOutput extends Writable {
  text = '';
  broken = false;

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.text += chunk.toString('utf8');
    done();
  }

  /** A failed write is reported to its caller only: through _write it would leave the stream errored for good. */
  override write(chunk: unknown, encodingOrDone?: unknown, maybeDone?: unknown): boolean {
    const done = (typeof encodingOrDone === 'function' ? encodingOrDone : maybeDone) as
      ((err?: Error | null) => void) | undefined;
    if (this.broken) {
      const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      process.nextTick(() => done?.(err));
      return false;
    }
    return super.write(chunk, (err) => done?.(err));
  }
}

export const stdoutHarness: Harness = {
  type: 'stdout',
  async setUp() {
    const out = new CapturedOutput();
    const config = {
      type: 'stdout',
      format: 'raw',
      retry: FAST_RETRY,
      batch: { max_events: 20, timeout: '20ms' },
    };
    return {
      config,
      build: (name, ctx) => new StdoutSink(name, stdoutSinkConfig.parse(config), ctx.logger, out),
      async received() {
        return out.text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { id: string }).id);
      },
      async breakTransiently() {
        out.broken = true;
      },
      async recover() {
        out.broken = false;
      },
      refusal: { never: 'standard output takes every line: there is nothing it refuses' },
      brokenConfig: { never: 'start opens nothing (the stream is the process’s own), so it cannot fail' },
      async dispose() {},
    };
  },
};
