import { ConfigError, errorMessage } from '../util/errors';
import { redact } from '../observability/redact';

/** Exit codes (DESIGN.md): 0 success, 1 runtime failure, 2 bad configuration or usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** `query` and `export` stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** Prints one redacted line for an error and returns the exit code it deserves. */
export function reportError(err: unknown, stream: NodeJS.WritableStream = process.stderr): number {
  if (err instanceof ConfigError) {
    stream.write(`claude-audit-forwarder: config error: ${redact(err.message)}\n`);
    return EXIT_USAGE;
  }
  stream.write(`claude-audit-forwarder: ${redact(errorMessage(err))}\n`);
  return EXIT_FAILURE;
}
