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

/** A stream's error after its body was settled: nobody is waiting for it. */
const ignoreLateError = (): void => undefined;

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
    let chunks: Buffer[] = [];
    let received = 0;
    let decoded = 0;
    let settled = false;
    const finish = (err: Error | undefined, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      chunks = [];
      detach();
      if (err !== undefined) {
        stream.destroy();
        decoder?.destroy();
        reject(err);
      } else resolve(body!);
    };
    const onAbort = (): void => finish(signal?.reason instanceof Error ? signal.reason : new AbortedError());
    const onReceived = (chunk: Buffer): void => void (received += chunk.length);
    const onBroken = (err: Error): void =>
      finish(new RetryableError(`the response broke off: ${err.message}`));
    const onData = (chunk: Buffer): void => {
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
    };
    const onError = (err: Error): void =>
      finish(new RetryableError(`the response could not be read: ${err.message}`));
    // 'close' without 'end': the connection was cut mid-body.
    const onClose = (): void => finish(new RetryableError('the response broke off before its end'));
    const onEnd = (): void => finish(undefined, Buffer.concat(chunks, decoded));
    // A kept-alive socket holds its last response stream until its next request: listeners
    // left on it would keep this body and its chunks alive with it (a page per socket).
    const detach = (): void => {
      signal?.removeEventListener('abort', onAbort);
      stream.off('data', onReceived).off('error', onBroken);
      out.off('data', onData).off('error', onError).off('close', onClose).off('end', onEnd);
      stream.on('error', ignoreLateError);
      decoder?.on('error', ignoreLateError);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (decoder) {
      stream.on('data', onReceived);
      stream.on('error', onBroken);
      stream.pipe(decoder);
    }
    out.on('data', onData);
    out.on('error', onError);
    out.on('close', onClose);
    out.on('end', onEnd);
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
