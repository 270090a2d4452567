import type { ConnectionOptions } from 'node:tls';
import {
  createHttpHeaders,
  type HttpClient as AzureHttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { HttpClient } from '../../http/client';
import type { ProxySetting } from '../../http/proxy';
import type { Logger } from '../../observability/logger';
import type { BodyBounds } from '../../util/bounded-body';

/** Token replies and OpenID metadata are a few KB. */
const REPLY_BOUNDS: BodyBounds = { maxBytes: 256 * 1024, maxRatio: 100 };

export interface EntraTransportOptions {
  readonly fieldPath: string;
  readonly timeoutMs: number;
  readonly tls?: ConnectionOptions;
  readonly proxy?: ProxySetting;
  readonly logger?: Logger;
}

/**
 * The transport @azure/identity (and MSAL under it) sends its requests through: our one
 * HTTP client (http/client.ts), so that token requests follow the same proxy policy, TLS
 * settings, deadline and reply bounds as everything else, and never follow a redirect.
 * One connection pool per origin (Entra ID, the managed-identity endpoint). The last
 * transport failure is kept: identity wraps it, and the sink needs its class (TLS refused
 * or merely unreachable) to decide between a slow and a normal retry.
 */
export class EntraTransport implements AzureHttpClient {
  private readonly clients = new Map<string, HttpClient>();
  lastFailure?: unknown;

  constructor(private readonly opts: EntraTransportOptions) {}

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    this.lastFailure = undefined;
    const url = new URL(request.url);
    if (request.method !== 'GET' && request.method !== 'POST')
      throw new Error(`unexpected ${request.method} request from the Azure identity library`);
    const headers: Record<string, string> = {};
    for (const [name, value] of request.headers) headers[name] = value;
    const body = typeof request.body === 'string' ? Buffer.from(request.body) : undefined;
    const signal = request.abortSignal instanceof AbortSignal ? request.abortSignal : undefined;
    try {
      const reply = await this.client(url.origin).request({
        method: request.method,
        path: `${url.pathname}${url.search}`,
        body,
        headers,
        signal,
      });
      const responseHeaders = createHttpHeaders();
      for (const [name, value] of Object.entries(reply.headers))
        if (typeof value === 'string') responseHeaders.set(name, value);
      return {
        request,
        status: reply.status,
        headers: responseHeaders,
        bodyAsText: reply.body.toString('utf8'),
      };
    } catch (err) {
      this.lastFailure = err;
      throw err;
    }
  }

  private client(origin: string): HttpClient {
    let client = this.clients.get(origin);
    if (client === undefined) {
      client = new HttpClient({
        baseUrl: origin,
        fieldPath: this.opts.fieldPath,
        peer: origin.includes('169.254.169.254') ? 'the managed-identity endpoint' : 'Microsoft Entra ID',
        addressField: `${this.opts.fieldPath}.authority_host`,
        credential: 'the Entra ID client credential',
        headers: {},
        timeoutMs: this.opts.timeoutMs,
        bounds: REPLY_BOUNDS,
        tls: origin.startsWith('https:') ? this.opts.tls : undefined,
        proxy: this.opts.proxy,
        agent: { maxSockets: 2 },
        logger: this.opts.logger,
      });
      this.clients.set(origin, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
