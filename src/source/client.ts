import { isAscii } from 'node:buffer';
import { HttpClient, type HttpReply } from '../http/client';
import type { ProxySetting } from '../http/proxy';
import type { Activity } from './activity';
import { ApiError, explainApiError } from './api-errors';
import { itemText, scanPageBody, shortFields } from './raw-items';
import type { RateGovernor } from './rate-limit';
import { capWait, type CappedWait, type WaitHeader } from './wait-cap';
import type { Logger } from '../observability/logger';
import { OversizedResponseError } from '../util/bounded-body';
import { RetryableError, errorMessage } from '../util/errors';
import { retry, type BackoffPolicy } from '../util/retry';
import type { ConnectionOptions } from 'node:tls';

/** One request's worth of the query the API understands (spec: Query parameters). */
export interface PageQuery {
  readonly createdAtGte?: string;
  readonly createdAtLt?: string;
  readonly afterId?: string;
  readonly beforeId?: string;
  readonly limit: number;
  readonly order: 'asc' | 'desc';
  /** Type filters for this request in place of the configured ones (the late lane's). */
  readonly types?: { readonly include: readonly string[]; readonly exclude: readonly string[] };
  /** Organization and actor filters in place of the configured ones (the log verifier reads one whole organization). */
  readonly scope?: { readonly organizationIds: readonly string[]; readonly actorIds: readonly string[] };
}

export interface SourceFilters {
  readonly activityTypes: readonly string[];
  readonly excludeActivityTypes: readonly string[];
  readonly organizationIds: readonly string[];
  readonly actorIds: readonly string[];
}

/** The created_at bounds a page was requested for: every row must fall inside them. */
export interface RequestedWindow {
  readonly gte?: string;
  readonly lt?: string;
}

/** An element of `data` over the size cap: kept out of the page, named by id for the dead-letter file. */
export interface OversizedActivity {
  readonly id?: string;
  readonly type?: string;
  readonly created_at?: string;
  readonly bytes: number;
}

export interface Page {
  readonly activities: readonly Activity[];
  /** Elements refused for their size (not in `activities`). */
  readonly oversized?: readonly OversizedActivity[];
  /** The bounds of the request this page answered (absent on pages built by hand). */
  readonly window?: RequestedWindow;
  /** Each activity's JSON text, one line (see raw-items.ts); absent on pages built by hand. */
  readonly raw?: readonly string[];
  readonly hasMore: boolean;
  readonly firstId: string | null;
  readonly lastId: string | null;
  readonly requestId?: string;
  readonly bodyBytes: number;
}

export interface ClientOptions {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly version: string;
  readonly timeoutMs: number;
  readonly filters: SourceFilters;
  readonly governor: RateGovernor;
  readonly logger: Logger;
  readonly tls?: ConnectionOptions;
  /** The `source.proxy` field (see http/proxy.ts). */
  readonly proxy?: ProxySetting;
  readonly backoff?: BackoffPolicy;
  /** Told about every response (status, request id): metrics and self-event recognition. */
  readonly onResponse?: (status: number, requestId: string | undefined) => void;
  /** `reason` is the error in words (for tests and logs); `kind` a fixed set (a metrics label). */
  readonly onRetry?: (reason: string, delayMs: number, kind: RetryReason) => void;
  /** Longest a Retry-After or rate-limit reset is obeyed (source.max_wait); default 15 min. */
  readonly maxWaitMs?: number;
  /** Told when the server asked for a longer wait than maxWaitMs (a metric; the client logs it). */
  readonly onWaitCapped?: (wait: CappedWait) => void;
  /** Told when a page was read whole and parsed: the request succeeded. */
  readonly onPageRead?: () => void;
  /** Size bounds of answers; the defaults are far above what a real tenant sends. */
  readonly bounds?: Partial<ResponseBounds>;
}

/**
 * What one answer of the API may hold. A page of 5000 rows is about 3 MB; a row about
 * 600 bytes. Neither bound is a config field: a tenant with rows large enough to reach them
 * lowers page_size.
 */
export interface ResponseBounds {
  /** Most bytes of a body, after decompression. */
  readonly maxBodyBytes: number;
  /** Most decompressed bytes per received byte (gzip of real pages: about 10). */
  readonly maxCompressionRatio: number;
  /** Most bytes of one activity: a larger one is dead-lettered by id, the rest of the page goes on. */
  readonly maxActivityBytes: number;
}

export const DEFAULT_RESPONSE_BOUNDS: ResponseBounds = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxCompressionRatio: 100,
  maxActivityBytes: 1024 * 1024,
};

/** A 15-minute wait is already longer than any rate-limit window the API documents. */
export const DEFAULT_MAX_WAIT_MS = 15 * 60_000;

/** Error bodies are read for their `error.type` only: past this, they are not parsed. */
const MAX_ERROR_BODY_PARSE = 64 * 1024;
/** A body the scanner could not vouch for is parsed for its error message only up to this size. */
const MAX_FALLBACK_PARSE = 1024 * 1024;

/** Why a request is retried, as a small fixed set (a metrics label). */
export type RetryReason =
  'rate_limited' | 'server_error' | 'malformed_page' | 'oversized_response' | 'network';

/** Classifies the RetryableErrors `requestOnce` throws (by the messages it writes). */
function retryReason(err: unknown): RetryReason {
  const message = errorMessage(err);
  if (message.startsWith('rate limited')) return 'rate_limited';
  if (message.startsWith('server error')) return 'server_error';
  if (message.startsWith('malformed page')) return 'malformed_page';
  if (err instanceof OversizedResponseError) return 'oversized_response';
  return 'network';
}

export const ACTIVITIES_PATH = '/v1/compliance/activities';
export const TRANSPARENCY_LOG_PATH = '/v1/compliance/transparency_log/';
const API_VERSION = '2023-06-01';

/** Serializes a query with bracketed repeated keys (`activity_types[]=a&activity_types[]=b`). */
export function buildQueryString(q: PageQuery, f: SourceFilters): string {
  const p = new URLSearchParams();
  for (const t of q.types?.include ?? f.activityTypes) p.append('activity_types[]', t);
  for (const t of q.types?.exclude ?? f.excludeActivityTypes) p.append('exclude_activity_types[]', t);
  for (const o of q.scope?.organizationIds ?? f.organizationIds) p.append('organization_ids[]', o);
  for (const a of q.scope?.actorIds ?? f.actorIds) p.append('actor_ids[]', a);
  if (q.createdAtGte) p.append('created_at.gte', q.createdAtGte);
  if (q.createdAtLt) p.append('created_at.lt', q.createdAtLt);
  if (q.afterId) p.append('after_id', q.afterId);
  if (q.beforeId) p.append('before_id', q.beforeId);
  p.append('limit', String(q.limit));
  p.append('order', q.order);
  return p.toString();
}

function headerText(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A 200 body as a page; anything but the documented shape is a malformed page (retryable).
 *
 * The body is scanned here (brackets, strings, the top-level fields) and its activities are
 * parsed only when first asked for: pages fetched ahead of a busy or stalled pipeline wait
 * as their bytes (PageText), not as a tree of objects several times their size. A body the
 * scan cannot vouch for is parsed at once, so its error names what is wrong; an element the
 * scan let through that turns out not to be an activity is a malformed page when it is
 * taken (the poll cycle fails and the next one reads the window again: nothing behind it
 * was committed).
 */
export function parsePage(
  response: string | Buffer,
  meta: {
    readonly requestId?: string;
    readonly window?: RequestedWindow;
    readonly maxActivityBytes?: number;
  } = {},
): Page {
  const bytes = typeof response === 'string' ? Buffer.from(response) : response;
  const bodyBytes = bytes.length;
  const scanned = scanPageBody(bytes);
  if (scanned) {
    const top = topLevel(scanned.fields);
    // The structure is sound but the fields are not the documented types: parsing the whole
    // body for a better message could cost more heap than the page is worth.
    if (!top)
      throw new RetryableError('malformed page: has_more, first_id or last_id is not of the documented type');
    const text = new PageText(
      bytes,
      scanned.bounds,
      meta.maxActivityBytes ?? DEFAULT_RESPONSE_BOUNDS.maxActivityBytes,
    );
    return new LazyPage(text, scanned.spaced, top, meta.requestId, bodyBytes, meta.window);
  }
  if (bodyBytes > MAX_FALLBACK_PARSE)
    throw new RetryableError(`malformed page: not an object with a "data" array (${bodyBytes} bytes)`);
  const body = decodeBody(bytes);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new RetryableError(
      `malformed page: the body is not JSON (${errorMessage(err)}; ${body.length} bytes)`,
    );
  }
  const d = doc as { data?: unknown; has_more?: unknown; first_id?: unknown; last_id?: unknown };
  if (!d || typeof d !== 'object' || !Array.isArray(d.data) || typeof d.has_more !== 'boolean') {
    throw new RetryableError('malformed page: expected {"data": [...], "has_more": bool, ...}');
  }
  const activities = (d.data as unknown[]).map(checkedActivity);
  const cursor = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    activities,
    raw: activities.map((a) => JSON.stringify(a)),
    hasMore: d.has_more,
    firstId: cursor(d.first_id),
    lastId: cursor(d.last_id),
    requestId: meta.requestId,
    bodyBytes,
    window: meta.window,
  };
}

/** How many rows a page holds, without parsing them when it can. */
export function pageRowCount(page: Page): number {
  if (page instanceof LazyPage) return page.rowCount;
  return page.activities.length + (page.oversized?.length ?? 0);
}

export interface PageEdges {
  readonly first: Activity;
  readonly last: Activity;
  readonly count: number;
}

/** The first and last activity of a page, without parsing the ones between when it can. */
export function pageEdges(page: Page): PageEdges | undefined {
  if (page instanceof LazyPage) return page.edges();
  return edgesOf(page.activities);
}

function edgesOf(activities: readonly Activity[]): PageEdges | undefined {
  const first = activities[0];
  const last = activities.at(-1);
  return first && last ? { first, last, count: activities.length } : undefined;
}

function checkedActivity(item: unknown): Activity {
  const a = item as Partial<Activity> | null;
  // Whether created_at is a time is the poller's window check: a bad one costs that row
  // (dead-lettered), not the page, which retried forever.
  if (
    !a ||
    typeof a !== 'object' ||
    typeof a.id !== 'string' ||
    typeof a.created_at !== 'string' ||
    typeof a.type !== 'string'
  ) {
    throw new RetryableError('malformed page: an activity lacks a string id, created_at or type');
  }
  return a as Activity;
}

interface TopLevel {
  readonly hasMore: boolean;
  readonly firstId: string | null;
  readonly lastId: string | null;
}

/** `has_more` and the cursors from their scanned texts; undefined if not the documented types. */
function topLevel(fields: ReadonlyMap<string, string>): TopLevel | undefined {
  try {
    const value = (key: string): unknown => {
      const text = fields.get(key);
      return text === undefined ? null : JSON.parse(text);
    };
    const hasMore = value('has_more');
    const firstId = value('first_id');
    const lastId = value('last_id');
    if (typeof hasMore !== 'boolean') return undefined;
    if ((firstId !== null && typeof firstId !== 'string') || (lastId !== null && typeof lastId !== 'string'))
      return undefined;
    return { hasMore, firstId, lastId };
  } catch {
    return undefined;
  }
}

/** A response body as text, as axios's `text` responses were: UTF-8, without a BOM. */
export function decodeBody(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * A scanned page's element texts. The page keeps its bytes, outside the JavaScript heap, and
 * decodes them when it is taken: pages fetched ahead of the pipeline (up to 2 ×
 * backfill_concurrency of them, 2.7 MB each at page_size 5000) held as strings filled the
 * heap the command bounds at 96 MB, and the forwarder died of it in the backfill benchmark.
 */
class PageText {
  /** Elements over the size cap, by index: never decoded whole. */
  readonly oversized = new Map<number, OversizedActivity>();

  constructor(
    private readonly bytes: Buffer,
    private readonly bounds: Int32Array,
    maxActivityBytes: number,
  ) {
    for (let i = 0; i < bounds.length / 2; i++) {
      const size = bounds[2 * i + 1] - bounds[2 * i];
      if (size > maxActivityBytes)
        this.oversized.set(i, describeOversized(bytes.subarray(bounds[2 * i], bounds[2 * i + 1])));
    }
  }

  /** Every element, oversized ones included. */
  get count(): number {
    return this.bounds.length / 2;
  }

  /** The indexes of the elements within the size cap. */
  kept(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (!this.oversized.has(i)) out.push(i);
    return out;
  }

  /** The texts of the elements at `indexes` (all of them when omitted). */
  items(indexes?: readonly number[]): string[] {
    const { bytes, bounds } = this;
    let at: (i: number) => string;
    if (indexes === undefined && isAscii(bytes)) {
      // Byte offsets are character offsets: one decoding, and each element a slice of it.
      // Slices keep the page's text alive while their records wait, but outside the young
      // generation; an element decoded on its own is copied by every scavenge it survives.
      const text = bytes.toString('latin1');
      at = (i) => text.slice(bounds[2 * i], bounds[2 * i + 1]);
    } else at = (i) => itemText(bytes, bounds, i);
    if (indexes === undefined && this.oversized.size > 0) indexes = this.kept();
    return indexes ? indexes.map(at) : Array.from({ length: this.count }, (_, i) => at(i));
  }
}

class LazyPage implements Page {
  private parsed?: Activity[];
  private texts?: string[];

  constructor(
    /** Let go once parsed: the page object may outlive its bytes' use (held through emit). */
    private body: PageText | undefined,
    private readonly spaced: ReadonlySet<number>,
    top: TopLevel,
    readonly requestId: string | undefined,
    readonly bodyBytes: number,
    readonly window: RequestedWindow | undefined,
  ) {
    this.hasMore = top.hasMore;
    this.firstId = top.firstId;
    this.lastId = top.lastId;
    this.rowCount = body?.count ?? 0;
    this.oversized = [...(body?.oversized.values() ?? [])];
  }

  readonly rowCount: number;
  readonly oversized: readonly OversizedActivity[];
  readonly hasMore: boolean;
  readonly firstId: string | null;
  readonly lastId: string | null;

  get activities(): readonly Activity[] {
    if (!this.parsed) this.parse();
    return this.parsed!;
  }

  /** Each activity's text, one line: as sent when compact, serialized again when not. */
  get raw(): readonly string[] {
    if (!this.texts) this.parse();
    return this.texts!;
  }

  edges(): PageEdges | undefined {
    if (this.parsed || !this.body) return edgesOf(this.parsed ?? []);
    const kept = this.body.kept();
    const firstAt = kept[0];
    const lastAt = kept.at(-1);
    if (firstAt === undefined || lastAt === undefined) return undefined;
    const [first, last] = this.body.items([firstAt, lastAt]);
    return { first: parseItem(first, firstAt), last: parseItem(last, lastAt), count: kept.length };
  }

  private parse(): void {
    const body = this.body;
    const indexes = body ? body.kept() : [];
    const items = body?.items() ?? [];
    const activities = items.map((t, k) => parseItem(t, indexes[k]));
    this.texts = items.map((t, k) => (this.spaced.has(indexes[k]) ? JSON.stringify(activities[k]) : t));
    this.parsed = activities;
    this.body = undefined;
  }
}

/** What can be read of an oversized element without decoding it whole: its short top-level fields. */
function describeOversized(element: Buffer): OversizedActivity {
  const fields = shortFields(element);
  const text = (key: string): string | undefined => {
    const v = fields?.get(key);
    if (v === undefined) return undefined;
    try {
      const parsed: unknown = JSON.parse(v);
      return typeof parsed === 'string' ? parsed : undefined;
    } catch {
      return undefined;
    }
  };
  return { id: text('id'), type: text('type'), created_at: text('created_at'), bytes: element.length };
}

function parseItem(text: string, i: number): Activity {
  let item: unknown;
  try {
    item = JSON.parse(text);
  } catch (err) {
    throw new RetryableError(`malformed page: element ${i} of data is not JSON (${errorMessage(err)})`);
  }
  return checkedActivity(item);
}

/**
 * The Compliance API client. Retries exactly as the spec's error table says: 429 after
 * Retry-After, 5xx/529/timeouts/resets with exponential backoff (1 s doubling to 60 s, with
 * jitter) unless `x-should-retry: false`; 400/401/403/404 are not retried and come back as
 * an ApiError with a message a person can act on.
 */
export class ComplianceApiClient {
  private readonly http: HttpClient;
  private readonly bounds: ResponseBounds;

  constructor(private readonly opts: ClientOptions) {
    this.bounds = { ...DEFAULT_RESPONSE_BOUNDS, ...opts.bounds };
    this.http = new HttpClient({
      baseUrl: opts.baseUrl,
      fieldPath: 'source',
      peer: 'the Compliance API',
      addressField: 'source.base_url',
      credential: 'the API key',
      headers: {
        'x-api-key': opts.apiKey,
        'anthropic-version': API_VERSION,
        Accept: 'application/json',
        'User-Agent': `claude-audit-forwarder/${opts.version}`,
      },
      timeoutMs: opts.timeoutMs,
      bounds: { maxBytes: this.bounds.maxBodyBytes, maxRatio: this.bounds.maxCompressionRatio },
      tls: opts.tls,
      proxy: opts.proxy,
      agent: { maxSockets: 8 },
      logger: opts.logger,
    });
  }

  /**
   * One page, retried through transient failures; the signal stops the waiting. Lower
   * `urgency` goes first when requests wait for the rate budget (0-9, see sliced-pages.ts).
   */
  fetchPage(query: PageQuery, signal?: AbortSignal, urgency?: number): Promise<Page> {
    return this.retried(() => this.requestOnce(query, signal), signal, urgency);
  }

  /**
   * One GET under the Access Transparency log's path (`checkpoint`, `inclusion?leaf_index=3`,
   * `tile/0/000`…): the body of a 200, or the ApiError its status means. Shares the rate
   * budget and the retries of pages (429, 5xx, timeouts); `maxAttempts` lets a verification
   * run give up and say it could not complete.
   */
  fetchLog(
    pathAndQuery: string,
    options: { readonly signal?: AbortSignal; readonly urgency?: number; readonly maxAttempts?: number } = {},
  ): Promise<Buffer> {
    const { signal, urgency, maxAttempts } = options;
    return this.retried(
      async () => {
        const res = await this.send(`${TRANSPARENCY_LOG_PATH}${pathAndQuery}`, signal);
        if (res.status === 200) return res.body;
        throw this.failure(res);
      },
      signal,
      urgency,
      maxAttempts,
    );
  }

  private retried<T>(
    once: () => Promise<T>,
    signal?: AbortSignal,
    urgency?: number,
    maxAttempts?: number,
  ): Promise<T> {
    return retry(() => this.opts.governor.schedule(once, signal, urgency), {
      signal,
      maxAttempts,
      policy: this.opts.backoff ?? { initialMs: 1000, maxMs: 60_000, multiplier: 2 },
      shouldRetry: (err) => err instanceof RetryableError,
      onRetry: (err, attempt, delayMs) => {
        this.opts.onRetry?.(errorMessage(err), delayMs, retryReason(err));
        this.opts.logger.warn('Compliance API request failed; retrying', {
          attempt,
          delay_ms: delayMs,
          error: errorMessage(err),
        });
      },
    });
  }

  /**
   * One request for the newest activity, tried once: it tells readiness whether the API
   * answers while nothing else asks it (see api-probe.ts). A failure is reported as a
   * retry, since the next probe tries again; it never throws.
   */
  async probe(signal: AbortSignal, urgency: number): Promise<void> {
    try {
      await this.opts.governor.schedule(
        () => this.requestOnce({ limit: 1, order: 'desc' }, signal),
        signal,
        urgency,
      );
    } catch (err) {
      if (signal.aborted) return;
      this.opts.onRetry?.(errorMessage(err), 0, retryReason(err));
    }
  }

  /**
   * Whether `id` is an activity of the organization this key reads. Cursors belong to an
   * organization and raw ids are accepted as cursors, so the API answers 400 "No activity
   * found for `after_id`" for another organization's id, whatever the filters.
   */
  async knowsActivity(id: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.fetchPage({ afterId: id, limit: 1, order: 'asc' }, signal);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && /after_id/.test(err.message)) return false;
      throw err;
    }
  }

  private async requestOnce(query: PageQuery, signal?: AbortSignal): Promise<Page> {
    const url = `${ACTIVITIES_PATH}?${buildQueryString(query, this.opts.filters)}`;
    return this.answer(query, await this.send(url, signal));
  }

  private async send(url: string, signal?: AbortSignal): Promise<HttpReply> {
    let res: HttpReply;
    try {
      res = await this.http.request({
        method: 'GET',
        path: url,
        signal,
        onHeaders: (status, headers) => {
          this.opts.onResponse?.(status, headerText(headers, 'request-id'));
          if (status !== 401)
            this.opts.governor.observe(headers, (askedMs) =>
              this.capped('anthropic-ratelimit-requests-reset', askedMs),
            );
        },
      });
    } catch (err) {
      // Timeouts, resets, refused connections, DNS: all transient from here. A certificate
      // problem or a refusing proxy is not (the poll cycle fails and says which field to fix).
      if (err instanceof RetryableError && !(err instanceof OversizedResponseError))
        throw new RetryableError(`request failed: ${err.message}`);
      throw err;
    }
    return res;
  }

  /** A whole answer as a page, or the error its status means. */
  private answer(query: PageQuery, res: HttpReply): Page {
    const bytes = res.body;
    const requestId = res.header('request-id');
    if (res.status === 200) {
      const window = { gte: query.createdAtGte, lt: query.createdAtLt };
      const page = parsePage(bytes, { requestId, window, maxActivityBytes: this.bounds.maxActivityBytes });
      const rows = pageRowCount(page);
      // More rows than asked for: a server out of its contract. Nothing of it is kept.
      if (rows > query.limit)
        throw new RetryableError(`malformed page: ${rows} rows where limit=${query.limit} was asked`);
      this.opts.onPageRead?.();
      return page;
    }
    throw this.failure(res);
  }

  /** The error a non-200 answer means: RetryableError (429, 5xx) or ApiError. */
  private failure(res: HttpReply): Error {
    const bytes = res.body;
    const requestId = res.header('request-id');
    let errorType: string | undefined;
    let serverMessage: string;
    try {
      if (bytes.length > MAX_ERROR_BODY_PARSE) throw new Error('too long to read');
      const e = JSON.parse(decodeBody(bytes)) as { error?: { type?: string; message?: string } };
      errorType = e.error?.type;
      serverMessage = e.error?.message ?? '';
    } catch {
      serverMessage = '';
    }
    const noRetry = res.header('x-should-retry') === 'false';
    if (res.status === 429) {
      const seconds = Number(res.header('retry-after'));
      const askedMs = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 60_000;
      const waitMs = this.capped('retry-after', askedMs);
      this.opts.governor.pauseUntil(Date.now() + waitMs);
      const how =
        waitMs < askedMs
          ? `source.max_wait caps the ${askedMs / 1000}s Retry-After asks`
          : 'as Retry-After asks';
      return new RetryableError(
        `rate limited (429 ${errorType ?? 'rate_limit_error'}); waiting ${waitMs / 1000}s ${how}`,
        waitMs,
      );
    }
    if (res.status >= 500 && !noRetry) {
      return new RetryableError(
        `server error ${res.status} ${errorType ?? ''}`.trim() +
          (requestId ? ` (request-id ${requestId})` : ''),
      );
    }
    if (res.status >= 500) {
      return new ApiError(
        `The Compliance API failed deterministically (${res.status} ${errorType ?? 'api_error'}, x-should-retry: false${requestId ? `, request-id ${requestId}` : ''}).${serverMessage ? ` The API said: "${serverMessage}".` : ''} Retrying the same request now would fail the same way; the next poll cycle will try again.`,
        res.status,
        errorType,
        requestId,
        true,
      );
    }
    return new ApiError(
      explainApiError(res.status, errorType, serverMessage),
      res.status,
      errorType,
      requestId,
      false,
    );
  }

  /** Closes the kept-alive connections (and proxy tunnels). */
  close(): void {
    this.http.close();
  }

  /** A server-requested wait, capped at source.max_wait; a capped one is logged and counted. */
  private capped(header: WaitHeader, askedMs: number): number {
    const wait = capWait(header, askedMs, this.opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
    if (wait.cappedMs < askedMs) {
      this.opts.logger.warn(
        'the Compliance API asked for a longer wait than source.max_wait allows; waiting max_wait instead',
        {
          header,
          asked_seconds: Math.round(askedMs / 1000),
          waiting_seconds: Math.round(wait.cappedMs / 1000),
        },
      );
      this.opts.onWaitCapped?.(wait);
    }
    return wait.cappedMs;
  }
}
