import http from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { ProxyRoute } from './proxy';
import { TunnelAgent } from './tunnel-agent';

export interface AgentOptions {
  readonly maxSockets?: number;
  readonly scheduling?: 'fifo' | 'lifo';
  /** From util/tls buildTlsOptions; used for https. */
  readonly tls?: ConnectionOptions;
  /** Bounds the CONNECT exchange with a proxy. */
  readonly timeoutMs: number;
}

/**
 * The connection pool for `base` along `route`: keep-alive, TLS from util/tls, and https
 * through a CONNECT tunnel when a proxy applies. Shared by HttpClient and the clients that
 * bring their own HTTP stack (the AWS SDK), so every one honours the same proxy policy.
 * A `forward` route is the caller's to apply (the request goes to the proxy).
 */
export function buildAgent(base: URL, route: ProxyRoute, opts: AgentOptions): http.Agent {
  const agentOptions = {
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 8,
    scheduling: opts.scheduling ?? 'lifo',
  } as const;
  if (base.protocol !== 'https:') return new http.Agent(agentOptions);
  if (route.kind === 'tunnel')
    return new TunnelAgent(route.proxy, { ...agentOptions, ...opts.tls }, opts.timeoutMs);
  return new https.Agent({ ...agentOptions, ...opts.tls });
}
