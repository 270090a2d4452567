import { AuthError, RetryableError } from '../../util/errors';
import { parseRetryAfter } from '../../http/retry-after';

export { parseRetryAfter } from '../../http/retry-after';

/**
 * HEC's reply vocabulary (../../../shared spec: sinks.md, "Splunk HTTP Event Collector") and
 * what each reply means for a batch. Pure: no I/O, so every row of the code table is
 * testable on its own.
 */

export const HEC_CODE_TEXT: Readonly<Record<number, string>> = {
  0: 'Success',
  1: 'Token disabled',
  2: 'Token is required',
  3: 'Invalid authorization',
  4: 'Invalid token',
  5: 'No data',
  6: 'Invalid data format',
  7: 'Incorrect index',
  8: 'Internal server error',
  9: 'Server is busy',
  10: 'Data channel is missing',
  11: 'Invalid data channel',
  12: 'Event field is required',
  13: 'Event field cannot be blank',
  14: 'ACK is disabled',
  15: 'Error in handling indexed fields',
  16: 'Query string authorization is not enabled',
  17: 'HEC is healthy',
  18: 'HEC is unhealthy, queues are full',
  19: 'HEC is unhealthy, ack service unavailable',
  20: 'HEC is unhealthy, queues are full, ack service unavailable',
  23: 'Server is shutting down',
  24: 'Queue approaching capacity',
  25: 'ACK channel approaching capacity',
  26: 'Queue at capacity',
  27: 'ACK channel at capacity',
};

/** The body of every HEC reply, read tolerantly: proxies answer with HTML or nothing. */
export interface HecReply {
  readonly text?: string;
  readonly code?: number;
  readonly ackId?: number;
  readonly invalidEventNumber?: number;
  readonly acks?: Readonly<Record<string, boolean>>;
}

export function parseReply(body: string): HecReply {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {};
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {};
  const o = json as Record<string, unknown>;
  const int = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
  const acks =
    o.acks !== null && typeof o.acks === 'object' && !Array.isArray(o.acks)
      ? Object.fromEntries(Object.entries(o.acks as Record<string, unknown>).map(([k, v]) => [k, v === true]))
      : undefined;
  return {
    text: typeof o.text === 'string' ? o.text : undefined,
    code: int(o.code),
    ackId: int(o.ackId),
    invalidEventNumber: int(o['invalid-event-number']),
    acks,
  };
}

/** "HTTP 503, code 9 (Server is busy)": for logs, health details and dead-letter reasons. */
export function describeReply(status: number, reply: HecReply): string {
  const text = reply.text ?? (reply.code !== undefined ? HEC_CODE_TEXT[reply.code] : undefined);
  const code = reply.code !== undefined ? `, code ${reply.code}` : '';
  return `HTTP ${status}${code}${text ? ` (${text.slice(0, 200)})` : ''}`;
}

/**
 * Splunk refused the request for a reason no change to the data can fix: the token
 * (401/403) or the configuration (index not allowed, channel refused, acks disabled on the
 * token, wrong URL). It is an AuthError so that util/retry waits the slow interval and no
 * caller ever dead-letters because of it: the events stay in the pipeline (and behind the
 * checkpoint) until an operator fixes Splunk or the config, and the sink reports itself
 * unhealthy meanwhile. Dead-lettering on a config problem would move the whole feed into
 * the dead-letter file and the checkpoint past it: recoverable only by hand.
 */
export class HecRefusedError extends AuthError {
  constructor(
    message: string,
    readonly reason: 'auth' | 'config',
  ) {
    super(message);
  }
}

/** Data-error codes that come with the number of the offending event. */
const DATA_CODES = new Set([5, 6, 12, 13, 15]);
/** 400 codes that are about the token or configuration, never about one event. */
const CONFIG_CODES = new Set([7, 10, 11, 14, 16]);

/** What a reply to POST /services/collector/event means for the batch that was sent. */
export type EventOutcome =
  /** Every event is in (when acks are on, once `ackId` is acknowledged). */
  | { readonly kind: 'accepted'; readonly ackId?: number; readonly nearCapacity: boolean }
  /** The body was too large: send the halves. */
  | { readonly kind: 'too_large'; readonly detail: string }
  /** Events before `index` are indexed, event `index` is bad, the ones after must be resent. */
  | { readonly kind: 'invalid_event'; readonly index: number; readonly detail: string }
  /** A data error that did not say which event: isolate it by bisecting. */
  | { readonly kind: 'bad_data'; readonly detail: string }
  /** Events before `index` are indexed; the rest must be sent again (and will be refused or not). */
  | { readonly kind: 'prefix_indexed'; readonly index: number; readonly detail: string };

export interface AdviceContext {
  /** `sinks.<name>`: errors point at the field to fix. */
  readonly fieldPath: string;
  readonly index?: string;
}

function authAdvice(code: number | undefined, ctx: AdviceContext): string {
  switch (code) {
    case 1:
      return 'the HEC token is disabled in Splunk; enable it (Settings → Data inputs → HTTP Event Collector) or configure another token';
    case 4:
      return `Splunk does not know this HEC token; check ${ctx.fieldPath}.token (or token_file)`;
    case 2:
    case 3:
      return `Splunk did not receive a usable Authorization header; check ${ctx.fieldPath}.token, and that no proxy strips the header`;
    default:
      return `check ${ctx.fieldPath}.token and the token's permissions in Splunk`;
  }
}

function configAdvice(code: number | undefined, ctx: AdviceContext): string {
  switch (code) {
    case 7:
      return ctx.index
        ? `index "${ctx.index}" does not exist or this token may not write to it; fix ${ctx.fieldPath}.index or the token's allowed indexes`
        : `the token's default index is not usable; set ${ctx.fieldPath}.index or fix the token in Splunk`;
    case 10:
    case 11:
      return 'Splunk refused the data channel (X-Splunk-Request-Channel); a proxy or load balancer may strip or rewrite the header';
    case 14:
      return `indexer acknowledgement is disabled for this token; enable it on the token or set ${ctx.fieldPath}.indexer_acknowledgements: false`;
    case 16:
      return 'Splunk expected query-string authorization; this sink authenticates with the Authorization header only';
    default:
      return `check ${ctx.fieldPath}.endpoint and Splunk's HEC configuration`;
  }
}

/**
 * Classifies a reply to an event POST of `batchSize` events. Returns the outcome for the
 * batch, or throws RetryableError (same batch again, after backoff) or HecRefusedError
 * (auth/config: slow retry, unhealthy, never dead-lettered).
 */
export function classifyEventReply(
  status: number,
  reply: HecReply,
  headers: { retryAfter?: string; location?: string },
  batchSize: number,
  ctx: AdviceContext,
): EventOutcome {
  const detail = describeReply(status, reply);
  if (status >= 200 && status < 300) {
    return { kind: 'accepted', ackId: reply.ackId, nearCapacity: reply.code === 24 || reply.code === 25 };
  }
  if (status === 400) {
    const i = reply.invalidEventNumber;
    const validIndex = i !== undefined && i < batchSize;
    if (reply.code !== undefined && DATA_CODES.has(reply.code)) {
      return validIndex ? { kind: 'invalid_event', index: i, detail } : { kind: 'bad_data', detail };
    }
    // Splunk indexes the events before the first refused one whatever the code: never resend them.
    if (validIndex && i > 0) return { kind: 'prefix_indexed', index: i, detail };
    if (reply.code !== undefined && CONFIG_CODES.has(reply.code)) {
      throw new HecRefusedError(
        `Splunk HEC refused the request: ${detail}; ${configAdvice(reply.code, ctx)}`,
        'config',
      );
    }
    throw new HecRefusedError(
      `Splunk HEC refused the request: ${detail}; ${configAdvice(undefined, ctx)}`,
      'config',
    );
  }
  if (status === 401 || status === 403) {
    throw new HecRefusedError(
      `Splunk HEC refused the token: ${detail}; ${authAdvice(reply.code, ctx)}`,
      'auth',
    );
  }
  if (status === 413) return { kind: 'too_large', detail };
  if (status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505)) {
    throw new RetryableError(`Splunk HEC is unavailable: ${detail}`, parseRetryAfter(headers.retryAfter));
  }
  if (status >= 300 && status < 400) {
    throw new HecRefusedError(
      `Splunk HEC answered with a redirect (${detail}${headers.location ? ` to ${headers.location}` : ''}); ` +
        `set ${ctx.fieldPath}.endpoint to the final URL (redirects are not followed so the token is never sent elsewhere)`,
      'config',
    );
  }
  if (status === 415) {
    throw new HecRefusedError(
      `Splunk HEC refused the request encoding (${detail}); set ${ctx.fieldPath}.compression: none if a proxy cannot pass gzip`,
      'config',
    );
  }
  if (status === 404 || status === 405) {
    throw new HecRefusedError(
      `no HEC event endpoint at ${ctx.fieldPath}.endpoint (${detail}); use the HEC base URL, e.g. https://splunk.example.com:8088`,
      'config',
    );
  }
  throw new HecRefusedError(
    `Splunk HEC refused the request: ${detail}; ${configAdvice(undefined, ctx)}`,
    'config',
  );
}

/** What a reply to POST /services/collector/ack means. */
export type AckOutcome =
  | { readonly kind: 'acks'; readonly acks: Readonly<Record<string, boolean>> }
  /** Splunk does not know our channel: every id issued on it is unknowable now. */
  | { readonly kind: 'channel_unknown'; readonly detail: string };

export function classifyAckReply(
  status: number,
  reply: HecReply,
  headers: { retryAfter?: string },
  ctx: AdviceContext,
): AckOutcome {
  const detail = describeReply(status, reply);
  if (status >= 200 && status < 300) {
    if (reply.acks) return { kind: 'acks', acks: reply.acks };
    throw new RetryableError(`Splunk HEC ack reply without an "acks" object: ${detail}`);
  }
  if (status === 400 && (reply.code === 10 || reply.code === 11)) return { kind: 'channel_unknown', detail };
  if (status === 401 || status === 403) {
    throw new HecRefusedError(
      `Splunk HEC refused the token while checking acks: ${detail}; ${authAdvice(reply.code, ctx)}`,
      'auth',
    );
  }
  if (status === 400 && reply.code === 14) {
    throw new HecRefusedError(`Splunk HEC: ${detail}; ${configAdvice(14, ctx)}`, 'config');
  }
  if (status === 404 || status === 405) {
    throw new HecRefusedError(`no HEC ack endpoint at ${ctx.fieldPath}.endpoint (${detail})`, 'config');
  }
  throw new RetryableError(`Splunk HEC ack query failed: ${detail}`, parseRetryAfter(headers.retryAfter));
}
