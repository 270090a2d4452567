/**
 * What Elasticsearch and OpenSearch `_bulk` replies mean, request by request and item by
 * item (the table in docs/sinks/elasticsearch.md). Nothing here sends; send.ts acts on it.
 */

export type ItemVerdict =
  /** Stored now (200/201), or already stored by an earlier attempt (409 on `create`). */
  | { readonly kind: 'stored'; readonly duplicate: boolean }
  /** Overload or a transient shard problem: send this item again. */
  | { readonly kind: 'retry'; readonly reason: string }
  /** This document can never be stored as it is: dead-letter it. */
  | { readonly kind: 'rejected'; readonly reason: string }
  /** Missing privilege, missing index, misconfiguration: keep it, retry slowly, alert. */
  | { readonly kind: 'refused'; readonly reason: string };

export interface BulkItem {
  readonly status: number;
  readonly errorType?: string;
  readonly reason?: string;
  readonly failureStore?: string;
}

/** Item errors that mean the document itself cannot be mapped or parsed. */
const DOCUMENT_ERRORS = new Set([
  'document_parsing_exception',
  'mapper_parsing_exception',
  'strict_dynamic_mapping_exception',
  'illegal_argument_exception',
  'json_parse_exception',
  'x_content_parse_exception',
]);

/**
 * Elasticsearch quotes the offending value in parsing errors even with
 * include_source_on_error=false; event content must not reach logs, so it is cut.
 */
export function withoutValuePreview(reason: string): string {
  return reason.replace(/\.?\s*Preview of field's value: [\s\S]*$/, '');
}

function describe(item: BulkItem): string {
  const type = item.errorType ?? 'no error type';
  return item.reason ? `${type}: ${withoutValuePreview(item.reason)}` : type;
}

export function classifyItem(item: BulkItem): ItemVerdict {
  const { status } = item;
  if (status >= 200 && status < 300) {
    // A newer stack parks a document it cannot index in the data stream's failure store and
    // answers 2xx: it is kept there, but not where searches look, so it is dead-lettered too.
    if (item.failureStore === 'used')
      return {
        kind: 'rejected',
        reason: `Elasticsearch stored the document in the data stream's failure store (${describe(item)})`,
      };
    return { kind: 'stored', duplicate: false };
  }
  if (status === 409 && item.errorType === 'version_conflict_engine_exception')
    return { kind: 'stored', duplicate: true };
  if (status === 429 || status >= 500 || item.errorType === 'es_rejected_execution_exception')
    return { kind: 'retry', reason: describe(item) };
  if (status === 401 || status === 403 || status === 404) return { kind: 'refused', reason: describe(item) };
  if (status === 400 && (item.errorType === undefined || DOCUMENT_ERRORS.has(item.errorType)))
    return { kind: 'rejected', reason: `Elasticsearch refused the document: ${describe(item)}` };
  // Anything else (an unknown 4xx) is not known to be the document's fault: keep it.
  return { kind: 'refused', reason: describe(item) };
}

/**
 * Items of a 200 reply, in request order; undefined when the reply is not a bulk reply for
 * `count` items (a proxy's page, a truncated body): the request is sent again.
 */
export function parseBulkItems(body: string, count: number): BulkItem[] | undefined {
  let reply: unknown;
  try {
    reply = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof reply !== 'object' || reply === null) return undefined;
  const items = (reply as { items?: unknown }).items;
  if (!Array.isArray(items) || items.length !== count) return undefined;
  const out: BulkItem[] = [];
  for (const entry of items as unknown[]) {
    const result: unknown = typeof entry === 'object' && entry !== null ? Object.values(entry)[0] : undefined;
    if (typeof result !== 'object' || result === null) return undefined;
    const r = result as { status?: unknown; error?: unknown; failure_store?: unknown };
    if (typeof r.status !== 'number') return undefined;
    const error = typeof r.error === 'object' && r.error !== null ? (r.error as Record<string, unknown>) : {};
    out.push({
      status: r.status,
      errorType: typeof error.type === 'string' ? error.type : undefined,
      reason: typeof error.reason === 'string' ? error.reason.slice(0, 1000) : undefined,
      failureStore: typeof r.failure_store === 'string' ? r.failure_store : undefined,
    });
  }
  return out;
}

/** `error.type: reason` of a request-level error reply, or the start of the body. */
export function describeError(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { type?: unknown; reason?: unknown } | string };
    const error = parsed.error;
    if (typeof error === 'string') return `${status} ${error.slice(0, 300)}`;
    if (error && typeof error.type === 'string')
      return `${status} ${error.type}${typeof error.reason === 'string' ? `: ${error.reason.slice(0, 300)}` : ''}`;
  } catch {
    // not JSON
  }
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  return text ? `${status} ${text}` : String(status);
}

/** Elasticsearch before 8.18 (and OpenSearch) refuse the parameter by name. */
export function refusesParameter(status: number, body: string, parameter: string): boolean {
  return status === 400 && body.includes('unrecognized parameter') && body.includes(`[${parameter}]`);
}
