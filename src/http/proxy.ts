import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from '../util/errors';
import { isLoopbackHost } from '../util/loopback';

/**
 * The one proxy policy of every HTTP client (source, HEC, the HTTP sinks to come).
 *
 * - `proxy: false` ignores the environment; `proxy: http://[user:pass@]host:port` names one;
 *   absent, HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case, lowercase first) apply as curl
 *   reads them.
 * - https goes through a CONNECT tunnel: TLS is end to end and verified as without a proxy.
 * - plain http is forwarded only by a proxy on this machine, and never for a loopback
 *   target: the credential in the request (API key, HEC token) must not cross a network in
 *   clear to reach the proxy.
 */
export const proxySetting = z
  .union([z.literal(false), z.string()], {
    error: 'expected a proxy URL (http://host:port, credentials allowed) or false',
  })
  .transform((value, ctx): string | false => {
    if (value === false) return false;
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: 'not a URL; write http://host:port (or http://user:password@host:port), or false',
      });
      return z.NEVER;
    }
    if (url.protocol !== 'http:') {
      ctx.addIssue({
        code: 'custom',
        message: `use an http:// proxy URL (got ${url.protocol}//): https requests are tunnelled through it with CONNECT, TLS end to end`,
      });
      return z.NEVER;
    }
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      ctx.addIssue({
        code: 'custom',
        message: 'a proxy URL has no path, query or fragment: write http://host:port',
      });
      return z.NEVER;
    }
    return url.href;
  })
  .optional();
export type ProxySetting = z.output<typeof proxySetting>;

/** The proxy's password (and user:password), as config/load.ts registers them for redaction. */
export function proxySecrets(setting: unknown): string[] {
  if (typeof setting !== 'string') return [];
  try {
    const url = new URL(setting.trim());
    if (!url.password) return [];
    const password = decodeURIComponent(url.password);
    return [...new Set([url.password, password])];
  } catch {
    return [];
  }
}

/** How a request reaches its target. */
export type ProxyRoute =
  | { readonly kind: 'direct'; readonly note?: string }
  /** https: CONNECT host:port through `proxy`, TLS inside. */
  | { readonly kind: 'tunnel'; readonly proxy: URL; readonly origin: string }
  /** plain http: the request itself goes to `proxy` (absolute URI). */
  | { readonly kind: 'forward'; readonly proxy: URL; readonly origin: string };

type Env = Readonly<Record<string, string | undefined>>;

function envVar(env: Env, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value?.trim() ? value.trim() : undefined;
}

function defaultPort(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

function bareHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

/**
 * NO_PROXY as curl reads it: comma- or space-separated; `*` alone matches everything; a
 * name matches itself and its subdomains (a leading dot is optional); an IP address or
 * CIDR block matches addresses only; `:port` narrows an entry to that port.
 */
export function noProxyMatches(noProxy: string | undefined, target: URL): boolean {
  if (!noProxy) return false;
  const host = bareHost(target.hostname);
  const port = defaultPort(target);
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: number | undefined;
    const portMatch = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
    if (portMatch) {
      entry = portMatch[1];
      entryPort = Number(portMatch[2]);
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = bareHost(entry);
    const [address, bits] = entry.split('/');
    const family = isIP(address);
    if (family) {
      const hostFamily = isIP(host);
      if (!hostFamily) continue;
      if (bits === undefined) {
        if (address === host) return true;
        continue;
      }
      const list = new BlockList();
      const type = family === 4 ? 'ipv4' : 'ipv6';
      try {
        list.addSubnet(address, Number(bits), type);
      } catch {
        continue;
      }
      if (list.check(host, hostFamily === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}

export interface RouteContext {
  /** `source` or `sinks.<name>`: errors name `<fieldPath>.proxy`. */
  readonly fieldPath: string;
  /** What the request carries that a proxy must not read ("the API key", "the HEC token"). */
  readonly credential: string;
  readonly env?: Env;
}

/** Where requests to `target` go under `setting` (the `proxy:` field) and the environment. */
export function chooseRoute(target: URL, setting: ProxySetting, ctx: RouteContext): ProxyRoute {
  if (setting === false) return { kind: 'direct' };
  const secure = target.protocol === 'https:';
  let proxy: URL;
  let origin: string;
  if (setting !== undefined) {
    proxy = new URL(setting);
    origin = `${ctx.fieldPath}.proxy`;
  } else {
    const env = ctx.env ?? process.env;
    const name = secure ? 'https_proxy' : 'http_proxy';
    const value = envVar(env, name) ?? envVar(env, 'all_proxy');
    if (!value) return { kind: 'direct' };
    if (noProxyMatches(envVar(env, 'no_proxy'), target)) return { kind: 'direct' };
    try {
      // curl takes a bare host:port as http://host:port.
      proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    } catch {
      throw new ConfigError(
        `the ${name.toUpperCase()} environment variable is not a proxy URL; fix it, or set ${ctx.fieldPath}.proxy: false to ignore it`,
        `${ctx.fieldPath}.proxy`,
      );
    }
    if (proxy.protocol !== 'http:') {
      throw new ConfigError(
        `the ${name.toUpperCase()} environment variable names a ${proxy.protocol}// proxy; only http:// proxies are supported (https goes through them with CONNECT), or set ${ctx.fieldPath}.proxy: false`,
        `${ctx.fieldPath}.proxy`,
      );
    }
    origin = `the ${name.toUpperCase()} environment variable`;
  }
  if (secure) return { kind: 'tunnel', proxy, origin };
  if (isLoopbackHost(target.hostname)) {
    return {
      kind: 'direct',
      note: `${target.host} is on this machine: a proxy would carry ${ctx.credential} off it in clear`,
    };
  }
  if (isLoopbackHost(proxy.hostname)) return { kind: 'forward', proxy, origin };
  if (setting !== undefined)
    throw new ConfigError(remotePlainProxyProblem(target, proxy, ctx.credential), `${ctx.fieldPath}.proxy`);
  return {
    kind: 'direct',
    note: `${origin} is ignored for plain-http ${target.origin}: ${ctx.credential} would reach the proxy ${proxy.host} in clear`,
  };
}

function remotePlainProxyProblem(target: URL, proxy: URL, credential: string): string {
  return `${target.origin} is plain http and the proxy ${proxy.host} is on another machine: ${credential} would reach it in clear; use an https:// address, a proxy on this machine, or proxy: false`;
}

/**
 * For config validation (so `validate` says it too): what is wrong with naming `setting` as
 * the proxy of `address`, or undefined.
 */
export function namedProxyProblem(
  address: string,
  setting: ProxySetting,
  credential: string,
): string | undefined {
  if (typeof setting !== 'string') return undefined;
  const target = new URL(address);
  const proxy = new URL(setting);
  if (target.protocol !== 'http:' || isLoopbackHost(target.hostname) || isLoopbackHost(proxy.hostname))
    return undefined;
  return remotePlainProxyProblem(target, proxy, credential);
}

/** A proxy URL as logs and errors may show it: without its credentials. */
export function showProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}
