import type { ConnectionOptions } from 'node:tls';
import { HttpClient } from '../../http/client';
import type { ProxySetting } from '../../http/proxy';
import { ProxyRefusedError } from '../../http/tunnel-agent';
import type { Logger } from '../../observability/logger';
import type { BodyBounds } from '../../util/bounded-body';
import { RetryableError } from '../../util/errors';
import { TlsCertificateError } from '../../util/tls-errors';
import { HecRefusedError, parseReply, type HecReply } from './protocol';

/**
 * The HTTP side of HEC: one keep-alive connection pool per sink (http/client.ts: proxy
 * policy, deadline, bounded replies), the token in the Authorization header (never in a
 * URL, so it cannot reach a log line through one), and failures turned into typed errors.
 * Replies are returned as they are; protocol.ts decides what they mean.
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
  /** The `proxy` field (see http/proxy.ts). */
  readonly proxy?: ProxySetting;
  readonly logger?: Logger;
}

/** HEC replies are a few hundred bytes of JSON: anything near this is not HEC. */
const REPLY_BOUNDS: BodyBounds = { maxBytes: 1024 * 1024, maxRatio: 100 };

export class HecClient {
  private readonly http: HttpClient;

  constructor(private readonly opts: HecClientOptions) {
    this.http = new HttpClient({
      baseUrl: opts.endpoint,
      fieldPath: opts.fieldPath,
      peer: 'Splunk HEC',
      addressField: `${opts.fieldPath}.endpoint`,
      credential: 'the HEC token',
      headers: { Authorization: `Splunk ${opts.token}`, 'User-Agent': opts.userAgent },
      timeoutMs: opts.requestTimeoutMs,
      bounds: REPLY_BOUNDS,
      tls: opts.endpoint.startsWith('https:') ? opts.tls : undefined,
      proxy: opts.proxy,
      logger: opts.logger,
    });
  }

  /** POST /services/collector/event with concatenated envelopes. */
  postEvents(channel: string, body: Buffer, gzipped: boolean, signal: AbortSignal): Promise<HecResponse> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Splunk-Request-Channel': channel,
    };
    if (gzipped) headers['Content-Encoding'] = 'gzip';
    return this.request('POST', '/services/collector/event', body, headers, signal);
  }

  /** POST /services/collector/ack: which of `ids` are replicated (true is answered once). */
  queryAcks(channel: string, ids: readonly number[], signal: AbortSignal): Promise<HecResponse> {
    const body = Buffer.from(JSON.stringify({ acks: ids }));
    return this.request(
      'POST',
      '/services/collector/ack',
      body,
      { 'Content-Type': 'application/json', 'X-Splunk-Request-Channel': channel },
      signal,
    );
  }

  /** GET /services/collector/health: 200 code 17, or 503 when HEC's queues are full. */
  health(channel: string, signal: AbortSignal): Promise<HecResponse> {
    return this.request(
      'GET',
      '/services/collector/health',
      undefined,
      { 'X-Splunk-Request-Channel': channel },
      signal,
    );
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<HecResponse> {
    const where = `Splunk HEC at ${this.opts.endpoint} (${this.opts.fieldPath}.endpoint)`;
    try {
      const res = await this.http.request({ method, path, body, headers, signal });
      return {
        status: res.status,
        reply: parseReply(res.body.toString('utf8')),
        retryAfter: res.header('retry-after'),
        location: res.header('location'),
      };
    } catch (err) {
      // People fix these: HEC retries them slowly and reports them in health.
      if (err instanceof TlsCertificateError || err instanceof ProxyRefusedError)
        throw new HecRefusedError(err.message, 'config');
      if (err instanceof RetryableError && err.message.startsWith('timeout:'))
        throw new RetryableError(`${where}: ${err.message.slice('timeout: '.length)}`);
      if (err instanceof RetryableError && !err.message.startsWith('cannot reach'))
        throw new RetryableError(`${where}: ${err.message}`);
      throw err;
    }
  }

  close(): void {
    this.http.close();
  }
}
