import type http from 'node:http';
import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { chooseRoute, showProxy, type ProxyRoute, type ProxySetting } from './proxy';
import { ProxyRefusedError, proxyAuthorization } from './tunnel-agent';
import { buildAgent } from './agent';
import type { Logger } from '../observability/logger';
import { readBoundedBody, requestDeadline, type BodyBounds } from '../util/bounded-body';
import { AbortedError, RetryableError, errorMessage } from '../util/errors';
import { TlsCertificateError, classifyTlsError, describeTlsProblem } from '../util/tls-errors';

/**
 * The one HTTP client builder (source, HEC, and every HTTP sink to come): one proxy policy
 * (proxy.ts), TLS from util/tls, no redirects (a redirect would carry the credential
 * elsewhere), and for every request one deadline over headers and body and a bounded body
 * (an endless body, a gzip bomb or a trickle costs the request, never the process).
 *
 * Failures without a usable reply come back typed: AbortedError (the caller stopped),
 * TlsCertificateError (people fix it: never retried as a network fault), ProxyRefusedError,
 * RetryableError (timeouts, resets, refused connections, DNS). None carries the request:
 * axios errors hold its headers, credential included.
 */
export interface HttpClientOptions {
  /** Base URL; request paths are appended to it. */
  readonly baseUrl: string;
  /** `source` or `sinks.<name>`: errors name `<fieldPath>.tls…`, `<fieldPath>.proxy`. */
  readonly fieldPath: string;
  /** Who answers, for messages ("the Compliance API", "Splunk HEC"). */
  readonly peer: string;
  /** The field holding the address, for messages (`source.base_url`, `sinks.x.endpoint`). */
  readonly addressField: string;
  /** What the requests carry that a proxy must not read ("the API key"). */
  readonly credential: string;
  /** Headers of every request (the credential among them). */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly bounds: BodyBounds;
  /** From util/tls buildTlsOptions; used for https. */
  readonly tls?: ConnectionOptions;
  readonly proxy?: ProxySetting;
  readonly agent?: { readonly maxSockets?: number; readonly scheduling?: 'fifo' | 'lifo' };
  readonly logger?: Logger;
  /** For tests; process.env otherwise. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, appended to the base URL. */
  readonly path: string;
  readonly body?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Told the status and headers as soon as they arrive, before the body is read. */
  readonly onHeaders?: (status: number, headers: Readonly<Record<string, unknown>>) => void;
}

export interface HttpReply {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, unknown>>;
  header(name: string): string | undefined;
}

/** Headers a proxy puts on its own refusals (squid; RFC 9209). */
function proxyGenerated(res: AxiosResponse): boolean {
  const h = res.headers as Record<string, unknown>;
  return (
    typeof h['x-squid-error'] === 'string' ||
    (typeof h['proxy-status'] === 'string' && /error=/.test(h['proxy-status']))
  );
}

export class HttpClient {
  readonly route: ProxyRoute;
  private readonly http: AxiosInstance;
  private readonly agent: http.Agent;

  constructor(private readonly opts: HttpClientOptions) {
    const base = new URL(opts.baseUrl);
    this.route = chooseRoute(base, opts.proxy, {
      fieldPath: opts.fieldPath,
      credential: opts.credential,
      env: opts.env,
    });
    if (this.route.kind === 'direct' && this.route.note)
      opts.logger?.warn(`proxy not used: ${this.route.note}`, { field: `${opts.fieldPath}.proxy` });
    if (this.route.kind !== 'direct') {
      opts.logger?.info(
        `${opts.peer} is reached through the proxy ${showProxy(this.route.proxy)} (${this.route.origin})`,
        { via: this.route.kind },
      );
    }
    const secure = base.protocol === 'https:';
    this.agent = buildAgent(base, this.route, {
      maxSockets: opts.agent?.maxSockets,
      scheduling: opts.agent?.scheduling,
      tls: opts.tls,
      timeoutMs: opts.timeoutMs,
    });
    const forward = this.route.kind === 'forward' ? this.route.proxy : undefined;
    const authorization = forward ? proxyAuthorization(forward) : undefined;
    this.http = axios.create({
      baseURL: opts.baseUrl.replace(/\/+$/, ''),
      httpAgent: secure ? undefined : this.agent,
      httpsAgent: secure ? this.agent : undefined,
      // The route is decided above, once; axios must not read the environment again.
      proxy: forward ? { protocol: 'http', host: forward.hostname, port: Number(forward.port || 80) } : false,
      maxRedirects: 0,
      // The body is read in `request`, bounded and under the deadline; axios's timeout stops
      // counting once the headers arrive.
      validateStatus: () => true,
      responseType: 'stream',
      decompress: false,
      transformResponse: [(data: unknown) => data],
      maxBodyLength: Number.POSITIVE_INFINITY,
      headers: { ...opts.headers, ...(authorization ? { 'Proxy-Authorization': authorization } : {}) },
    });
  }

  /** One request and its whole body, under one deadline (`timeoutMs`). */
  async request(req: HttpRequest): Promise<HttpReply> {
    if (req.signal?.aborted) throw new AbortedError();
    const deadline = requestDeadline(this.opts.timeoutMs, req.signal);
    try {
      let res: AxiosResponse<Readable>;
      try {
        res = await this.http.request<Readable>({
          method: req.method,
          url: req.path,
          data: req.body,
          headers: req.headers,
          signal: deadline.signal,
        });
      } catch (err) {
        if (req.signal?.aborted) throw new AbortedError();
        if (deadline.expired()) throw err;
        throw this.transportError(err);
      }
      const header = (name: string): string | undefined => {
        const v: unknown = res.headers[name.toLowerCase()];
        return typeof v === 'string' ? v : undefined;
      };
      if (
        this.route.kind === 'forward' &&
        (res.status === 407 || (res.status >= 400 && proxyGenerated(res)))
      ) {
        res.data.destroy();
        throw this.refused(
          new ProxyRefusedError(
            `the proxy ${showProxy(this.route.proxy)} refused to forward the request: ${res.status} ${res.statusText}`.trim(),
            res.status,
          ),
        );
      }
      const headers = res.headers as Record<string, unknown>;
      req.onHeaders?.(res.status, headers);
      const body = await readBoundedBody(
        res.data,
        header('content-encoding'),
        this.opts.bounds,
        deadline.signal,
      );
      return { status: res.status, body, headers, header };
    } catch (err) {
      if (req.signal?.aborted) throw new AbortedError();
      if (deadline.expired()) throw new RetryableError(`timeout: ${errorMessage(deadline.signal.reason)}`);
      throw err;
    } finally {
      deadline.clear();
    }
  }

  /** Turns a failure without an HTTP reply into the error the caller acts on. */
  private transportError(err: unknown): Error {
    if (err instanceof ProxyRefusedError) return this.refused(err);
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof ProxyRefusedError) return this.refused(cause);
    // OpenSSL messages span lines; a log line and an operator want one.
    const message = errorMessage(err)
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    const where = `${this.opts.peer} at ${this.opts.baseUrl} (${this.opts.addressField})`;
    const problem = classifyTlsError(err);
    if (problem)
      return new TlsCertificateError(
        describeTlsProblem(
          problem,
          where,
          `${this.opts.fieldPath}.tls`,
          `with an http:// address in ${this.opts.addressField}`,
        ),
        problem,
      );
    const code = (err as { code?: unknown }).code;
    const via = this.route.kind === 'direct' ? '' : ` through the proxy ${showProxy(this.route.proxy)}`;
    return new RetryableError(
      `cannot reach ${where}${via}: ${message}${typeof code === 'string' ? ` [${code}]` : ''}`,
    );
  }

  /** A proxy's refusal, named with the field or variable that chose the proxy. */
  private refused(err: ProxyRefusedError): ProxyRefusedError {
    const origin = this.route.kind === 'direct' ? `${this.opts.fieldPath}.proxy` : this.route.origin;
    const fix =
      err.status === 407
        ? `give the proxy's credentials in ${this.opts.fieldPath}.proxy (http://user:password@host:port)`
        : `ask the proxy's administrators to allow ${new URL(this.opts.baseUrl).host}, or set ${this.opts.fieldPath}.proxy`;
    return new ProxyRefusedError(`${err.message} (the proxy comes from ${origin}); ${fix}`, err.status);
  }

  close(): void {
    this.agent.destroy();
  }
}
