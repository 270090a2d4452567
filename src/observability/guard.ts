import type { Logger } from './logger';
import { redact } from './redact';

/**
 * The redaction layer underneath the logger. The logger already redacts every line; these
 * cover what never goes through it: a library printing with console.*, Node printing a
 * warning, a stray write by any code path. Every byte the process writes to stdout or
 * stderr passes `redact` here, and a crash is reported by us (redacted) instead of by Node,
 * whose default handler prints the whole error object — axios errors included, with their
 * request headers (`x-api-key`, `Authorization: Splunk <token>`).
 */

const PATCHED = Symbol.for('claude-audit-forwarder.redacting-stream');
const UNREDACTED = Symbol.for('claude-audit-forwarder.unredacted-write');

type WriteFn = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

type Marked = { [PATCHED]?: boolean; [UNREDACTED]?: WriteFn };

function patch(stream: NodeJS.WriteStream): () => void {
  const marked = stream as NodeJS.WriteStream & Marked;
  if (marked[PATCHED]) return () => undefined;
  // Kept unbound: it is called with the stream as `this`, and put back exactly as it was.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = stream.write as unknown as WriteFn;
  const redacting: WriteFn = function (this: unknown, chunk, encoding, callback) {
    let out = chunk;
    if (typeof chunk === 'string') {
      out = redact(chunk);
    } else if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      const cleaned = redact(text);
      // Only re-encode when something was masked: binary output passes untouched.
      if (cleaned !== text) out = Buffer.from(cleaned, 'utf8');
    }
    return original.call(this, out, encoding, callback);
  };
  stream.write = redacting;
  marked[PATCHED] = true;
  marked[UNREDACTED] = original;
  return () => {
    stream.write = original;
    marked[PATCHED] = false;
    delete marked[UNREDACTED];
  };
}

/**
 * Writes event output (the stdout sink, a dry run) past the redaction layer. Redaction is
 * for log and error text: an activity is evidence and must reach its destination exactly as
 * the API served it, even when a word in it happens to equal a configured secret.
 */
export function writeEvents(
  stream: NodeJS.WritableStream,
  text: string,
  callback: (err?: Error | null) => void,
): void {
  const original = (stream as NodeJS.WritableStream & Marked)[UNREDACTED];
  if (original) original.call(stream, text, 'utf8', callback);
  else stream.write(text, callback);
}

/** Redacts everything written to process.stdout and process.stderr; returns an undo. */
export function redactProcessOutput(): () => void {
  const undo = [patch(process.stdout), patch(process.stderr)];
  return () => undo.forEach((u) => u());
}

/** What a crash is reported as: the message and the stack, never the error's other fields. */
function describe(err: unknown): { error: string; stack?: string } {
  if (err instanceof Error)
    return { error: `${err.name}: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) };
  return { error: typeof err === 'string' ? err : Object.prototype.toString.call(err) };
}

/**
 * An uncaught exception or unhandled rejection is a bug: log it (redacted) and exit 1. The
 * checkpoint is safe — it only ever holds what every sink accepted — so the next run resends
 * whatever was in flight.
 */
export function installCrashHandlers(
  logger: Logger,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  let crashing = false;
  const crash = (kind: string) => (err: unknown) => {
    if (crashing) return;
    crashing = true;
    logger.error(
      `${kind}: this is a bug; exiting. Un-checkpointed activities are delivered again on the next run`,
      describe(err),
    );
    // Give the log line a moment to reach the stream; a crash must still end the process.
    setTimeout(() => exit(1), 200);
  };
  const onException = crash('uncaught exception');
  const onRejection = crash('unhandled promise rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
