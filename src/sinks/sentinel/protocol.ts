import { parseRetryAfter } from '../../http/retry-after';
import { RetryableError } from '../../util/errors';
import { SentinelRefusedError } from './refusal';

/**
 * What a Logs Ingestion reply means for the batch that was sent (../../../shared spec:
 * sinks-more.md, the Sentinel status table). Pure, so each row is testable on its own.
 */

/** Azure's throttling waits are seconds to a minute; a larger one is capped, not obeyed blindly. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

export interface IngestionReply {
  readonly status: number;
  readonly body: string;
  header(name: string): string | undefined;
}

export type IngestionOutcome =
  | { readonly kind: 'accepted' }
  /** 401: the token is expired or wrong; refresh it once before calling it a refusal. */
  | { readonly kind: 'token_refused'; readonly detail: string }
  /** 413: send the halves. */
  | { readonly kind: 'too_large'; readonly detail: string }
  /** 400 about the data: isolate the refused record by halving, then dead-letter it. */
  | { readonly kind: 'bad_data'; readonly detail: string };

/** 400 codes that are about the request's address or headers, never about one record. */
const CONFIG_400 = /stream|api-?version|contentencoding|contenttype|datacollectionrule|dcr/i;

/** "HTTP 403 OperationFailed: The authentication token provided does not have access…" */
export function describeIngestionReply(reply: IngestionReply): string {
  let code = reply.header('x-ms-error-code');
  let message: string | undefined;
  try {
    const parsed = JSON.parse(reply.body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') code ??= parsed.error.code;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // Proxies answer with HTML or nothing: the status says enough.
  }
  return `HTTP ${reply.status}${code ? ` ${code.slice(0, 80)}` : ''}${message ? `: ${message.slice(0, 300)}` : ''}`;
}

/** Retry-After in seconds or as a date, or Azure's own millisecond headers; capped. */
export function retryAfterMs(reply: IngestionReply): number | undefined {
  const ms = reply.header('retry-after-ms') ?? reply.header('x-ms-retry-after-ms');
  const wait =
    ms !== undefined && /^\d+$/.test(ms.trim()) ? Number(ms) : parseRetryAfter(reply.header('retry-after'));
  return wait === undefined ? undefined : Math.min(wait, MAX_RETRY_AFTER_MS);
}

/**
 * Classifies a reply. Returns the outcome, or throws RetryableError (same batch again after
 * backoff or Retry-After) or SentinelRefusedError (people must fix it: slow retry, readiness
 * red, never dead-lettered).
 */
export function classifyIngestionReply(reply: IngestionReply, fieldPath: string): IngestionOutcome {
  const status = reply.status;
  const detail = describeIngestionReply(reply);
  if (status >= 200 && status < 300) return { kind: 'accepted' };
  if (status === 401) return { kind: 'token_refused', detail };
  if (status === 413) return { kind: 'too_large', detail };
  if (status === 400) {
    const code = reply.header('x-ms-error-code') ?? '';
    if (CONFIG_400.test(code) || /stream|api-version/i.test(detail))
      throw new SentinelRefusedError(
        `Azure Logs Ingestion refused the request (${detail}); check ${fieldPath}.dcr_immutable_id and ${fieldPath}.stream against the DCR`,
      );
    return { kind: 'bad_data', detail };
  }
  if (status === 403)
    throw new SentinelRefusedError(
      `Azure Logs Ingestion refused the identity (${detail}); assign it the Monitoring Metrics Publisher role on the DCR (a new assignment can take 30 minutes to apply)`,
    );
  if (status === 404)
    throw new SentinelRefusedError(
      `Azure Logs Ingestion knows no such DCR here (${detail}); check ${fieldPath}.endpoint and ${fieldPath}.dcr_immutable_id (DCR, endpoint and workspace must be in one region)`,
    );
  if (status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505))
    throw new RetryableError(`Azure Logs Ingestion is unavailable: ${detail}`, retryAfterMs(reply));
  if (status >= 300 && status < 400)
    throw new SentinelRefusedError(
      `Azure Logs Ingestion answered with a redirect (${detail}); set ${fieldPath}.endpoint to the final URL (redirects are not followed so the token is never sent elsewhere)`,
    );
  throw new SentinelRefusedError(
    `Azure Logs Ingestion refused the request (${detail}); check ${fieldPath}.endpoint`,
  );
}
