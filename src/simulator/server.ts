import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger';
import type { Actor } from '../source/activity';
import { sleep } from '../util/retry';
import { decodeCursor, encodeCursor } from './cursor';
import type { FaultController } from './faults';
import { FEED_SCOPES, type KeyRing, type KnownKey, opensActivityFeed } from './keys';
import type { LiveFeed } from './live';
import type { RecordingSwitch } from './recording';
import { Rng, mixSeed } from './prng';
import { RateLimiter, type RateDecision } from './rate-limit';
import { RequestIds } from './request-ids';
import { isApiError, parseActivitiesQuery, type ApiErrorSpec } from './request-query';
import { INJECTED_ERRORS, type Headers, malformedBody, send, sendError } from './responses';
import type { ActivityStore, StoreQuery } from './store';
import { TRANSPARENCY_LOG_PATH, type TransparencyLogService } from './transparency-log-service';

/**
 * The HTTP behaviour of `GET /v1/compliance/activities` (plus `/healthz`): auth, the shared
 * rate limit, fault injection, validation, pagination, and the `compliance_api_accessed`
 * record every request leaves behind.
 */
export const ACTIVITIES_PATH = '/v1/compliance/activities';

const PAGE_HEAD = Buffer.from('{"data":[');
const COMMA = Buffer.from(',');

export interface RequestLogEntry {
  /** Epoch ms when the request arrived. */
  readonly time: number;
  readonly method: string;
  /** Path and query as received. */
  readonly path: string;
  readonly status: number;
  readonly requestId: string | null;
  /** The key's activity id (`apikey_01…`), when the key was recognised. */
  readonly keyId?: string;
  /** Rows in the page, for 200s. */
  readonly rows?: number;
  readonly durationMs: number;
}

export interface ServerBehaviour {
  readonly missingKeyStatus: 401 | 404;
  readonly strictTimestamps: boolean;
  readonly acceptUnlistedTypes: boolean;
  readonly selfEvents: boolean;
  readonly selfEventDelayMs: number;
  readonly latency: { readonly minMs: number; readonly maxMs: number };
  readonly requestLogSize: number;
}

export interface ServerParts {
  readonly store: ActivityStore;
  readonly transparencyLog: TransparencyLogService;
  readonly keys: KeyRing;
  readonly limiter: RateLimiter | undefined;
  readonly faults: FaultController;
  readonly live: LiveFeed;
  readonly recording: RecordingSwitch;
  readonly clock: () => number;
  readonly seed: number;
  readonly logger?: Logger;
}

export class ComplianceApiServer {
  readonly requestLog: RequestLogEntry[] = [];
  private requestCounter = 0;
  private readonly requestIds = new RequestIds();
  private readonly statusCounts = new Map<number, number>();
  private selfEventCount = 0;
  private readonly closing = new AbortController();
  private readonly latencyRng: Rng;

  constructor(
    private readonly parts: ServerParts,
    public behaviour: ServerBehaviour,
  ) {
    this.latencyRng = new Rng(mixSeed(parts.seed, 0x1a7e));
  }

  /** Aborts requests still hanging (slow fault, latency) so close() does not wait on them. */
  abortPending(): void {
    this.closing.abort();
  }

  stats(): { requests: number; byStatus: Record<string, number>; selfEvents: number } {
    return {
      requests: this.requestCounter,
      byStatus: Object.fromEntries([...this.statusCounts].map(([k, v]) => [String(k), v])),
      selfEvents: this.selfEventCount,
    };
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((err: unknown) => {
      this.parts.logger?.error('simulator request failed', {
        error: err instanceof Error ? err.message : String(err),
      });
      sendError(res, 500, 'api_error', 'Internal server error', null);
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { store, keys, clock } = this.parts;
    const arrived = clock();
    this.parts.live.materialize(arrived);
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');

    if (url.pathname === '/healthz' && req.method === 'GET') {
      send(res, 200, {}, JSON.stringify({ status: 'ok', activities: store.size }));
      return;
    }

    this.requestCounter++;
    const requestId = this.requestIds.next();
    const path = req.url ?? '/';
    const record = (status: number, key: KnownKey | undefined, rid: string | null, rows?: number): void => {
      this.statusCounts.set(status, (this.statusCounts.get(status) ?? 0) + 1);
      this.requestLog.push({
        time: arrived,
        method: req.method ?? 'GET',
        path,
        status,
        requestId: rid,
        keyId: key?.keyId,
        rows,
        durationMs: clock() - arrived,
      });
      if (this.requestLog.length > this.behaviour.requestLogSize)
        this.requestLog.splice(0, this.requestLog.length - this.behaviour.requestLogSize);
      if (key) this.appendSelfEvent(req, key, status, rid);
    };
    // The log surface: private to the key, errors included (spec §3.3).
    const logPath = url.pathname.startsWith(TRANSPARENCY_LOG_PATH);
    const surface: Headers = logPath ? { 'cache-control': 'private, no-store', vary: 'x-api-key' } : {};
    const fail = async (
      error: ApiErrorSpec,
      key: KnownKey | undefined,
      headers: Headers = {},
      rid: string | null = requestId,
    ): Promise<void> => {
      await this.latency(res);
      sendError(res, error.status, error.type, error.message, rid, { ...headers, ...surface });
      record(error.status, key, rid);
    };

    if ((url.pathname !== ACTIVITIES_PATH && !logPath) || req.method !== 'GET') {
      return fail(
        { status: 404, type: 'not_found_error', message: `Not found: ${req.method ?? ''} ${url.pathname}` },
        undefined,
      );
    }

    // Authentication. Failures do not count against the rate limit.
    const header = req.headers['x-api-key'];
    const check = keys.check(Array.isArray(header) ? header[0] : header, arrived);
    if (check.outcome === 'missing') {
      return this.behaviour.missingKeyStatus === 404
        ? fail({ status: 404, type: 'not_found_error', message: 'Not found' }, undefined)
        : fail(
            { status: 401, type: 'authentication_error', message: 'x-api-key header is required' },
            undefined,
          );
    }
    if (check.outcome === 'unknown' || check.outcome === 'expired') {
      // Live, some 401s carry `request_id: null` and no request-id header: unknown keys do here.
      // An expired key is refused like any invalid one (spec: "Endpoint and auth").
      return fail(
        { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
        undefined,
        {},
        null,
      );
    }
    if (check.outcome === 'revoked') {
      return fail(
        { status: 401, type: 'authentication_error', message: 'This API key has been revoked' },
        check.key,
      );
    }
    const key = check.key;

    // The tenant-wide rate limit: every authenticated request counts, scope failures included.
    const headers: Headers = {};
    const decision = this.parts.limiter?.take(arrived);
    if (decision) Object.assign(headers, rateHeaders(decision));
    if (decision && !decision.allowed) {
      headers['retry-after'] = String(decision.retryAfterSeconds);
      return fail(
        {
          status: 429,
          type: 'rate_limit_error',
          message: `Rate limit exceeded: ${decision.limit} requests per minute`,
        },
        key,
        headers,
      );
    }

    const fault = this.parts.faults.decide(arrived);
    if (fault.slowMs > 0 && !(await this.pause(res, fault.slowMs))) return record(499, key, requestId);
    if (fault.respond === 'rate_limited') {
      const retryAfter = this.parts.faults.rates(arrived).retryAfterSeconds ?? 1;
      return fail({ status: 429, type: 'rate_limit_error', message: 'Rate limit exceeded' }, key, {
        ...headers,
        'retry-after': String(retryAfter),
      });
    }
    if (fault.respond && fault.respond in INJECTED_ERRORS) {
      const e = INJECTED_ERRORS[fault.respond];
      return fail(e, key, { ...headers, 'x-should-retry': fault.respond === 'fatal_500' ? 'false' : 'true' });
    }

    if (!opensActivityFeed(key)) {
      const needed = FEED_SCOPES.map((scope) => `'${scope}'`).join(', ');
      return fail(
        {
          status: 403,
          type: 'permission_error',
          message: `Missing required scopes. Got: [${key.scopes.join(', ')}] Needed one of: [${needed}]`,
        },
        key,
        headers,
      );
    }

    if (logPath) {
      const answer = this.parts.transparencyLog.answer(
        url.pathname.slice(TRANSPARENCY_LOG_PATH.length),
        url.searchParams,
        arrived,
      );
      if (!('body' in answer)) return fail(answer, key, headers);
      await this.latency(res);
      send(
        res,
        200,
        { ...headers, ...surface, 'cache-control': answer.cacheControl, 'request-id': requestId },
        answer.body,
        answer.contentType,
      );
      return record(200, key, requestId);
    }

    const parsed = parseActivitiesQuery(url.searchParams, {
      tenant: store.tenant,
      strictTimestamps: this.behaviour.strictTimestamps,
      acceptUnlistedTypes: this.behaviour.acceptUnlistedTypes,
    });
    if (isApiError(parsed)) return fail(parsed, key, headers);

    let cursor: StoreQuery['cursor'];
    if (parsed.cursor) {
      const { kind, text } = parsed.cursor;
      const decoded = decodeCursor(text);
      // A well-formed cursor is no use without its activity: the API looks the id up.
      const row = decoded === undefined ? undefined : store.rowOfId(decoded.id);
      const known = row !== undefined && store.visibleAtOf(row) <= arrived;
      let position: { micros: number; id: string } | undefined;
      if (known && decoded?.kind === 'key') position = decoded;
      else if (known && decoded?.kind === 'id')
        position = { micros: store.createdAtMicrosOf(row), id: decoded.id };
      if (!position) {
        const param = `${kind}_id`;
        return fail(
          {
            status: 400,
            type: 'invalid_request_error',
            message: `Invalid \`${param}\`. No activity found for \`${param}\` "${text}"`,
          },
          key,
          headers,
        );
      }
      cursor = { kind, micros: position.micros, id: position.id };
    }

    const result = store.query(
      { ...parsed.query, cursor, includeCursorRow: fault.duplicate && cursor !== undefined },
      arrived,
    );
    const page = this.renderPage(result.rows, result.hasMore);

    await this.latency(res);
    if (fault.respond) {
      const bad = malformedBody(fault.respond as Parameters<typeof malformedBody>[0], page.toString());
      send(res, bad.status, { ...headers, 'request-id': requestId }, bad.body, bad.contentType);
      return record(bad.status, key, requestId, result.rows.length);
    }
    send(res, 200, { ...headers, 'request-id': requestId }, page);
    record(200, key, requestId, result.rows.length);
  }

  /**
   * The page body: `{"data":[…],"has_more":…,"first_id":…,"last_id":…}`, byte for byte what
   * JSON.stringify of the page object gives. Prerendered rows are copied as bytes.
   */
  private renderPage(rows: readonly number[], hasMore: boolean): string | Buffer {
    const { store } = this.parts;
    const rendered = rows.map((row) => store.renderedJson(row));
    if (rendered.every((b): b is Buffer => b !== undefined)) {
      const cursorOf = (row: number | undefined): string | null =>
        row === undefined ? null : encodeCursor(store.idOf(row), store.createdAtTextOf(row));
      const tail = `],"has_more":${hasMore},"first_id":${JSON.stringify(cursorOf(rows[0]))},"last_id":${JSON.stringify(cursorOf(rows[rows.length - 1]))}}`;
      const parts: Buffer[] = [PAGE_HEAD];
      rendered.forEach((b, i) => {
        if (i > 0) parts.push(COMMA);
        parts.push(b);
      });
      parts.push(Buffer.from(tail));
      return Buffer.concat(parts);
    }
    const data = rows.map((row) => store.activityOf(row));
    const first = data[0];
    const last = data[data.length - 1];
    return JSON.stringify({
      data,
      has_more: hasMore,
      first_id: first ? encodeCursor(first.id, first.created_at) : null,
      last_id: last ? encodeCursor(last.id, last.created_at) : null,
    });
  }

  /** Waits `ms`; false when the client went away or the simulator is closing. */
  private async pause(res: ServerResponse, ms: number): Promise<boolean> {
    const gone = new AbortController();
    const onClose = (): void => gone.abort();
    res.once('close', onClose);
    try {
      await sleep(ms, AbortSignal.any([gone.signal, this.closing.signal]));
      return true;
    } catch {
      return false;
    } finally {
      res.off('close', onClose);
    }
  }

  private async latency(res: ServerResponse): Promise<void> {
    const { minMs, maxMs } = this.behaviour.latency;
    if (maxMs <= 0) return;
    await this.pause(res, minMs + this.latencyRng.next() * Math.max(0, maxMs - minMs));
  }

  /** The `compliance_api_accessed` row this request leaves, appearing about a second later. */
  private appendSelfEvent(
    req: IncomingMessage,
    key: KnownKey,
    status: number,
    requestId: string | null,
  ): void {
    if (!this.behaviour.selfEvents || !this.parts.recording.isRecording(this.parts.clock())) return;
    const userAgent = req.headers['user-agent'] ?? null;
    const ip = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? null;
    const actor: Actor = key.admin
      ? { type: 'admin_api_key_actor', admin_api_key_id: key.keyId, ip_address: ip, user_agent: userAgent }
      : { type: 'api_actor', api_key_id: key.keyId, ip_address: ip, user_agent: userAgent };
    const host = req.headers.host ?? 'localhost';
    const atMs = this.parts.clock() + this.behaviour.selfEventDelayMs;
    // Clocks here tick in milliseconds; real created_at values have microseconds.
    const micros =
      Math.floor(atMs * 1000) + new Rng(mixSeed(this.parts.seed, 0x5e1f, this.selfEventCount)).int(1000);
    this.parts.store.appendSelfEvent(
      {
        requestId,
        method: req.method ?? 'GET',
        statusCode: status,
        url: `http://${host}${req.url ?? '/'}`,
        actor,
      },
      micros,
      micros / 1000,
    );
    this.selfEventCount++;
  }
}

function rateHeaders(d: RateDecision): Headers {
  return {
    'anthropic-ratelimit-requests-limit': String(d.limit),
    'anthropic-ratelimit-requests-remaining': String(d.remaining),
    // Whole seconds, rounded up: a client waiting until then must find a free slot.
    'anthropic-ratelimit-requests-reset': new Date(Math.ceil(d.resetAtMs / 1000) * 1000)
      .toISOString()
      .replace(/\.000Z$/, 'Z'),
  };
}
