import type { ConnectionOptions } from 'node:tls';
import { HttpClient, type HttpReply } from '../../http/client';
import type { ProxySetting } from '../../http/proxy';
import { ProxyRefusedError } from '../../http/tunnel-agent';
import type { Logger } from '../../observability/logger';
import type { BodyBounds } from '../../util/bounded-body';
import { AuthError, RetryableError } from '../../util/errors';
import { TlsCertificateError } from '../../util/tls-errors';

/**
 * The HTTP side of the sink: one keep-alive pool per node (http/client.ts: proxy policy,
 * deadline, bounded replies), the credential in the Authorization header, requests spread
 * over the nodes in turn and moved to the next node when one cannot be reached. A failure
 * people must fix (certificate, proxy refusal) comes back as AuthError: retried slowly,
 * never dropped.
 */

export interface SearchClientOptions {
  readonly endpoints: readonly string[];
  readonly authorization?: string;
  readonly requestTimeoutMs: number;
  readonly userAgent: string;
  readonly tls?: ConnectionOptions;
  readonly fieldPath: string;
  readonly proxy?: ProxySetting;
  readonly credential: string;
  readonly logger?: Logger;
}

export interface SearchReply extends HttpReply {
  /** The node that answered. */
  readonly endpoint: string;
}

/** A bulk reply holds a few hundred bytes per item: 5,000 items stay far below this. */
const REPLY_BOUNDS: BodyBounds = { maxBytes: 64 * 1024 * 1024, maxRatio: 200 };

export class SearchClient {
  private readonly nodes: { readonly endpoint: string; readonly http: HttpClient }[];
  private next = 0;

  constructor(opts: SearchClientOptions) {
    this.nodes = opts.endpoints.map((endpoint, i) => ({
      endpoint,
      http: new HttpClient({
        baseUrl: endpoint,
        fieldPath: opts.fieldPath,
        peer: 'Elasticsearch',
        addressField: `${opts.fieldPath}.endpoints[${i}]`,
        credential: opts.credential,
        headers: {
          ...(opts.authorization ? { Authorization: opts.authorization } : {}),
          'User-Agent': opts.userAgent,
          Accept: 'application/json',
          'Accept-Encoding': 'gzip',
        },
        timeoutMs: opts.requestTimeoutMs,
        bounds: REPLY_BOUNDS,
        tls: endpoint.startsWith('https:') ? opts.tls : undefined,
        proxy: opts.proxy,
        logger: opts.logger,
      }),
    }));
  }

  get endpoints(): string[] {
    return this.nodes.map((n) => n.endpoint);
  }

  /**
   * One request, to the next node in turn; a node that cannot be reached hands the request
   * to the following one, so a request fails only when no node answers.
   */
  async request(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<SearchReply> {
    const first = this.next;
    this.next = (this.next + 1) % this.nodes.length;
    let lastError: unknown;
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[(first + i) % this.nodes.length];
      try {
        const reply = await node.http.request({ method, path, body, headers, signal });
        return { ...reply, endpoint: node.endpoint };
      } catch (err) {
        if (err instanceof TlsCertificateError || err instanceof ProxyRefusedError)
          throw new AuthError(err.message, { cause: err });
        if (!(err instanceof RetryableError)) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  close(): void {
    for (const node of this.nodes) node.http.close();
  }
}
