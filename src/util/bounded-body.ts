import type { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import { AbortedError, RetryableError } from './errors';

/**
 * Reading an HTTP response body from a server we do not trust: at most `maxBytes` once
 * decompressed, a compression ratio a real JSON answer never reaches, and one deadline for
 * the whole exchange. An endless body, a gzip bomb or a trickle costs the request (a
 * retryable error), never the process.
 */
export interface BodyBounds {
  /** Most bytes a body may hold, counted after decompression. */
  readonly maxBytes: number;
  /** Most decompressed bytes per byte received, once the body is past RATIO_FLOOR_BYTES. */
  readonly maxRatio: number;
}

/** Small bodies may compress very well (a page of identical rows); ratios count above this. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/** A body over its bounds: the request may be tried again, nothing is kept of it. */
export class OversizedResponseError extends RetryableError {}

function decoderFor(encoding: string | undefined): Transform | undefined {
  // As browsers and axios do: a truncated stream ends what was decoded so far, and the
  // JSON parse then says what is missing.
  const lenient = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(lenient);
    case 'deflate':
      return zlib.createInflate(lenient);
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      throw new RetryableError(`unsupported content-encoding "${encoding}"`);
  }
}

/**
 * The whole body of `stream`, decoded per `contentEncoding`, or an OversizedResponseError as
 * soon as it passes its bounds (the stream is destroyed: nothing more is read). Aborting
 * `signal` destroys the stream too and rejects with its reason.
 */
export function readBoundedBody(
  stream: Readable,
  contentEncoding: string | undefined,
  bounds: BodyBounds,
  signal?: AbortSignal,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let decoder: Transform | undefined;
    try {
      decoder = decoderFor(contentEncoding);
    } catch (err) {
      stream.destroy();
      return reject(err);
    }
    const out: Readable = decoder ?? stream;
    const chunks: Buffer[] = [];
    let received = 0;
    let decoded = 0;
    let settled = false;
    const finish = (err: Error | undefined, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) {
        chunks.length = 0;
        stream.destroy();
        decoder?.destroy();
        reject(err);
      } else resolve(body!);
    };
    const onAbort = (): void => finish(signal?.reason instanceof Error ? signal.reason : new AbortedError());
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (decoder) {
      stream.on('data', (chunk: Buffer) => (received += chunk.length));
      stream.on('error', (err) => finish(new RetryableError(`the response broke off: ${err.message}`)));
      stream.pipe(decoder);
    }
    out.on('data', (chunk: Buffer) => {
      decoded += chunk.length;
      if (!decoder) received = decoded;
      if (decoded > bounds.maxBytes) {
        return finish(
          new OversizedResponseError(
            `oversized response: more than ${bounds.maxBytes} bytes${decoder ? ' once decompressed' : ''}; refused`,
          ),
        );
      }
      if (decoder && decoded > RATIO_FLOOR_BYTES && decoded > received * bounds.maxRatio) {
        return finish(
          new OversizedResponseError(
            `oversized response: ${received} bytes inflate past ${decoded} (more than ${bounds.maxRatio}x: a decompression bomb); refused`,
          ),
        );
      }
      chunks.push(chunk);
    });
    out.on('error', (err) => finish(new RetryableError(`the response could not be read: ${err.message}`)));
    // 'close' without 'end': the connection was cut mid-body.
    out.on('close', () => finish(new RetryableError('the response broke off before its end')));
    out.on('end', () => finish(undefined, Buffer.concat(chunks, decoded)));
  });
}

/**
 * One deadline for a whole request, headers and body, tied to the caller's signal. `expired`
 * tells a timeout from the caller stopping.
 */
export function requestDeadline(
  timeoutMs: number,
  caller?: AbortSignal,
): { readonly signal: AbortSignal; expired(): boolean; clear(): void } {
  const timer = new AbortController();
  const handle = setTimeout(
    () =>
      timer.abort(
        new RetryableError(
          `no complete answer within ${timeoutMs / 1000}s (the timeout covers the whole request, body included)`,
        ),
      ),
    timeoutMs,
  );
  return {
    signal: caller ? AbortSignal.any([caller, timer.signal]) : timer.signal,
    expired: () => timer.signal.aborted && !caller?.aborted,
    clear: () => clearTimeout(handle),
  };
}
