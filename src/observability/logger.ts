import winston from 'winston';
import { redact, redactDeep } from './redact';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'text';

/** The logging surface every component gets. Structured fields go in `meta`. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
}

const SPLAT = Symbol.for('splat');
const MESSAGE = Symbol.for('message');

/**
 * Redaction is the last step before any transport sees a line, and it runs over the
 * finished line as well as the fields: no code path can log around it.
 */
const redactFields = winston.format((info) => {
  const cleaned = redactDeep({ ...info }) as Record<string, unknown>;
  for (const key of Object.keys(info)) delete (info as Record<string, unknown>)[key];
  Object.assign(info, cleaned);
  delete (info as Record<symbol, unknown>)[SPLAT];
  return info;
});
const redactLine = winston.format((info) => {
  const line = (info as Record<symbol, unknown>)[MESSAGE];
  if (typeof line === 'string') (info as Record<symbol, unknown>)[MESSAGE] = redact(line);
  return info;
});

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** Where lines go; stderr by default so stdout stays free for event output. */
  readonly stream?: NodeJS.WritableStream;
}

/**
 * Terminal escape sequences (CSI and OSC, by ESC or by their C1 form; other ESC sequences),
 * then any other C0 or C1 control character or DEL. Values in a log line come from the API
 * and from receivers: raw, they could recolour, rewrite or forge lines on a terminal.
 */
const ESCAPE_SEQUENCE =
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text-format only: escape sequences removed, line breaks and tabs become spaces, other controls go. */
export function stripControls(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCE, '')
    .replace(CONTROL, (c) => (c === '\n' || c === '\r' || c === '\t' ? ' ' : ''));
}

function textValue(v: unknown): string {
  if (typeof v === 'string') {
    const clean = stripControls(v);
    return clean !== '' && !/\s/.test(clean) ? clean : JSON.stringify(clean);
  }
  // JSON escapes C0 already; C1 characters it leaves as they are.
  return stripControls(JSON.stringify(v) ?? String(v));
}

function textLine(info: winston.Logform.TransformableInfo): string {
  const { level, message, timestamp, ...rest } = info;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${stripControls(k)}=${textValue(v)}`)
    .join(' ');
  return `${String(timestamp)} ${level.padEnd(5)} ${stripControls(String(message))}${fields ? ' ' + fields : ''}`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'json';
  const logger = winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(
      winston.format.timestamp(),
      redactFields(),
      format === 'json' ? winston.format.json() : winston.format.printf(textLine),
      redactLine(),
    ),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stderr })],
  });
  return wrap(logger);
}

function wrap(w: winston.Logger): Logger {
  return {
    error: (m, meta) => void w.error(m, meta),
    warn: (m, meta) => void w.warn(m, meta),
    info: (m, meta) => void w.info(m, meta),
    debug: (m, meta) => void w.debug(m, meta),
    child: (meta) => wrap(w.child(meta)),
  };
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};
