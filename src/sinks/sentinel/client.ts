import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { HttpClient } from '../../http/client';
import type { ProxySetting } from '../../http/proxy';
import { ProxyRefusedError } from '../../http/tunnel-agent';
import type { Logger } from '../../observability/logger';
import type { BodyBounds } from '../../util/bounded-body';
import { TlsCertificateError } from '../../util/tls-errors';
import { SentinelRefusedError } from './refusal';
import type { IngestionReply } from './protocol';

export const API_VERSION = '2023-01-01';

/** Error replies are a few hundred bytes of JSON. */
const REPLY_BOUNDS: BodyBounds = { maxBytes: 256 * 1024, maxRatio: 100 };

export interface IngestionClientOptions {
  readonly endpoint: string;
  readonly dcrImmutableId: string;
  readonly stream: string;
  readonly requestTimeoutMs: number;
  readonly userAgent: string;
  readonly tls?: ConnectionOptions;
  readonly fieldPath: string;
  readonly proxy?: ProxySetting;
  readonly logger?: Logger;
}

/** The HTTP side of Logs Ingestion, on the one HTTP client (proxy, TLS, deadline, bounded replies). */
export class IngestionClient {
  private readonly http: HttpClient;
  private readonly path: string;

  constructor(opts: IngestionClientOptions) {
    this.path =
      `/dataCollectionRules/${encodeURIComponent(opts.dcrImmutableId)}` +
      `/streams/${encodeURIComponent(opts.stream)}?api-version=${API_VERSION}`;
    this.http = new HttpClient({
      baseUrl: opts.endpoint,
      fieldPath: opts.fieldPath,
      peer: 'Azure Logs Ingestion',
      addressField: `${opts.fieldPath}.endpoint`,
      credential: 'the Entra ID token',
      headers: { 'User-Agent': opts.userAgent },
      timeoutMs: opts.requestTimeoutMs,
      bounds: REPLY_BOUNDS,
      tls: opts.endpoint.startsWith('https:') ? opts.tls : undefined,
      proxy: opts.proxy,
      logger: opts.logger,
    });
  }

  /** One gzip-compressed JSON array; `x-ms-client-request-id` reappears in DCRLogErrors. */
  async upload(token: string, gzipped: Buffer, signal: AbortSignal): Promise<IngestionReply> {
    try {
      const res = await this.http.request({
        method: 'POST',
        path: this.path,
        body: gzipped,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
          'x-ms-client-request-id': randomUUID(),
        },
        signal,
      });
      return { status: res.status, body: res.body.toString('utf8'), header: (name) => res.header(name) };
    } catch (err) {
      // People fix these: retried slowly and reported in health.
      if (err instanceof TlsCertificateError || err instanceof ProxyRefusedError)
        throw new SentinelRefusedError(err.message);
      throw err;
    }
  }

  close(): void {
    this.http.close();
  }
}
