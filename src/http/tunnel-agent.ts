import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { showProxy } from './proxy';
import { AuthError } from '../util/errors';

/** The proxy refused CONNECT or a forwarded request (403, 407…): people fix it, so retried slowly. */
export class ProxyRefusedError extends AuthError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Basic credentials of a proxy URL, for Proxy-Authorization. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username && !proxy.password) return undefined;
  const pair = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

/**
 * An https agent whose connections are CONNECT tunnels through an http proxy, with the
 * origin's TLS inside: the proxy sees host and port, never a header or a byte of the body,
 * and certificate verification is the agent's own (CA, server_name, client certificate).
 * Pooling and keep-alive are https.Agent's.
 */
export class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    options: https.AgentOptions,
    /** Longest wait for the proxy's answer to CONNECT: a stalled proxy must not hold a socket for ever. */
    private readonly connectTimeoutMs: number,
  ) {
    super(options);
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const done = callback ?? ((): void => undefined);
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = Number(options.port ?? 443);
    const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const authorization = proxyAuthorization(this.proxy);
    const connect = http.request({
      host: this.proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(this.proxy.port || 80),
      method: 'CONNECT',
      path: authority,
      headers: { Host: authority, ...(authorization ? { 'Proxy-Authorization': authorization } : {}) },
      agent: false,
      timeout: this.connectTimeoutMs,
    });
    const fail = (err: Error): void => {
      connect.destroy();
      done(err, undefined as unknown as Duplex);
    };
    connect.once('connect', (res, socket) => {
      res.resume();
      if (res.statusCode !== 200) {
        socket.destroy();
        const status = res.statusCode ?? 0;
        return fail(
          new ProxyRefusedError(
            `the proxy ${showProxy(this.proxy)} refused CONNECT ${authority}: ${status} ${res.statusMessage ?? ''}`.trim(),
            status,
          ),
        );
      }
      const servername = options.servername ?? (isIP(host) ? undefined : host);
      const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket, servername });
      // The request's socket is the TLS one: errors reach the request through it.
      done(null, secure);
    });
    connect.once('error', (err) => fail(err));
    connect.once('timeout', () =>
      fail(new Error(`the proxy ${showProxy(this.proxy)} did not answer CONNECT ${authority}`)),
    );
    connect.end();
    return undefined;
  }
}
