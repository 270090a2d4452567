import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import { readBoundedBody, requestDeadline, type BodyBounds } from '../../util/bounded-body';
import { AbortedError, RetryableError } from '../../util/errors';
import { HecRefusedError, parseReply, type HecReply } from './protocol';

/**
 * The HTTP side of HEC: one keep-alive connection pool per sink, the token in the
 * Authorization header (never in a URL, so it cannot reach a log line through one), and
 * transport failures turned into typed errors. Replies are returned as they are;
 * protocol.ts decides what they mean.
 */

export interface HecResponse {
  readonly status: number;
  readonly reply: HecReply;
  readonly retryAfter?: string;
  readonly location?: string;
}

export interface HecClientOptions {
  /** Base URL without the /services/collector path. */
  readonly endpoint: string;
  readonly token: string;
  readonly requestTimeoutMs: number;
  readonly userAgent: string;
  /** From util/tls buildTlsOptions; used for https endpoints. */
  readonly tls?: ConnectionOptions;
  /** `sinks.<name>`: errors point at the field to fix. */
  readonly fieldPath: string;
}

/** Certificate problems: a configuration matter, not a transient one. */
const TLS_CERT_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  // axios wraps the socket error; the code may sit on the cause.
  for (let depth = 0; depth < 3 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_BAD_REQUEST' && code !== 'ERR_BAD_RESPONSE') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** HEC replies are a few hundred bytes of JSON: anything near this is not HEC. */
const REPLY_BOUNDS: BodyBounds = { maxBytes: 1024 * 1024, maxRatio: 100 };

export class HecClient {
  private readonly http: AxiosInstance;
  private readonly agent: http.Agent;

  constructor(private readonly opts: HecClientOptions) {
    const secure = opts.endpoint.startsWith('https:');
    this.agent = secure
      ? new https.Agent({ keepAlive: true, scheduling: 'lifo', ...opts.tls })
      : new http.Agent({ keepAlive: true, scheduling: 'lifo' });
    this.http = axios.create({
      baseURL: opts.endpoint,
      httpAgent: secure ? undefined : this.agent,
      httpsAgent: secure ? this.agent : undefined,
      // Environment proxies are not honoured: axios cannot tunnel https through them, and an
      // unexpected hop must never see the token.
      proxy: false,
      // A redirect would carry the token to another address: refuse, and say so.
      maxRedirects: 0,
      // The reply is read in `request`, bounded and under one deadline with the headers.
      validateStatus: () => true,
      responseType: 'stream',
      decompress: false,
      transformResponse: [(data: unknown) => data],
      maxBodyLength: Number.POSITIVE_INFINITY,
      headers: {
        Authorization: `Splunk ${opts.token}`,
        'User-Agent': opts.userAgent,
      },
    });
  }

  /** POST /services/collector/event with concatenated envelopes. */
  postEvents(channel: string, body: Buffer, gzipped: boolean, signal: AbortSignal): Promise<HecResponse> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Splunk-Request-Channel': channel };
    if (gzipped) headers['Content-Encoding'] = 'gzip';
    return this.request('POST', '/services/collector/event', body, headers, signal);
  }

  /** POST /services/collector/ack: which of `ids` are replicated (true is answered once). */
  queryAcks(channel: string, ids: readonly number[], signal: AbortSignal): Promise<HecResponse> {
    const body = Buffer.from(JSON.stringify({ acks: ids }));
    return this.request('POST', '/services/collector/ack', body, { 'Content-Type': 'application/json', 'X-Splunk-Request-Channel': channel }, signal);
  }

  /** GET /services/collector/health: 200 code 17, or 503 when HEC's queues are full. */
  health(channel: string, signal: AbortSignal): Promise<HecResponse> {
    return this.request('GET', '/services/collector/health', undefined, { 'X-Splunk-Request-Channel': channel }, signal);
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<HecResponse> {
    if (signal.aborted) throw new AbortedError();
    const deadline = requestDeadline(this.opts.requestTimeoutMs, signal);
    try {
      const res = await this.http.request<Readable>({ method, url: path, data: body, headers, signal: deadline.signal });
      const header = (name: string): string | undefined => {
        const v: unknown = res.headers[name];
        return typeof v === 'string' ? v : undefined;
      };
      const text = (await readBoundedBody(res.data, header('content-encoding'), REPLY_BOUNDS, deadline.signal)).toString('utf8');
      return { status: res.status, reply: parseReply(text), retryAfter: header('retry-after'), location: header('location') };
    } catch (err) {
      if (signal.aborted) throw new AbortedError();
      const where = `Splunk HEC at ${this.opts.endpoint} (${this.opts.fieldPath}.endpoint)`;
      if (deadline.expired()) throw new RetryableError(`${where}: ${(deadline.signal.reason as Error).message}`);
      if (err instanceof RetryableError) throw new RetryableError(`${where}: ${err.message}`);
      throw this.transportError(err, signal);
    } finally {
      deadline.clear();
    }
  }

  /** Turns a failure without an HTTP reply into the error the caller must act on. */
  private transportError(err: unknown, signal: AbortSignal): Error {
    if (signal.aborted || axios.isCancel(err)) return new AbortedError();
    const code = errorCode(err);
    // OpenSSL messages span lines; a log line and an operator want one.
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim();
    const where = `${this.opts.endpoint} (${this.opts.fieldPath}.endpoint)`;
    if (code && TLS_CERT_CODES.has(code)) {
      return new HecRefusedError(
        `TLS verification of ${where} failed: ${message} [${code}]; set ${this.opts.fieldPath}.tls.ca_file to the CA that signed ` +
          `Splunk's certificate (or tls.server_name to the name in it)`,
        'config',
      );
    }
    if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
      return new HecRefusedError(
        `TLS handshake with ${where} failed: ${message}; is HEC serving plain http (then use an http:// endpoint) or TLS on another port?`,
        'config',
      );
    }
    if (code?.startsWith('ERR_SSL_') && /CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA/i.test(code)) {
      return new HecRefusedError(
        `Splunk refused this client's TLS certificate (${message}); set ${this.opts.fieldPath}.tls.cert_file and key_file to a certificate Splunk trusts`,
        'config',
      );
    }
    // No `cause`: axios errors carry the request config, Authorization header included.
    return new RetryableError(`cannot reach Splunk HEC at ${where}: ${message}${code ? ` [${code}]` : ''}`);
  }

  close(): void {
    this.agent.destroy();
  }
}
