import { isIP } from 'node:net';

/**
 * Guards deciding whether a value may take an OCSF or ECS home. A value that fails one is
 * not dropped: it stays where the original had it (under `unmapped` / `anthropic.audit`),
 * so a hostile or malformed field never makes an event invalid and never gets lost.
 */

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * OCSF `ip_t`: the schema's own pattern (copied verbatim from ocsf/1.8.0; it is the
 * authority the validators apply) and at most 40 characters.
 */
const OCSF_IP =
  /((^\s*((([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]).){3}([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]))\s*$)|(^\s*((([0-9A-Fa-f]{1,4}:){7}([0-9A-Fa-f]{1,4}|:))|(([0-9A-Fa-f]{1,4}:){6}(:[0-9A-Fa-f]{1,4}|((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(([0-9A-Fa-f]{1,4}:){5}(((:[0-9A-Fa-f]{1,4}){1,2})|:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(([0-9A-Fa-f]{1,4}:){4}(((:[0-9A-Fa-f]{1,4}){1,3})|((:[0-9A-Fa-f]{1,4})?:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9A-Fa-f]{1,4}:){3}(((:[0-9A-Fa-f]{1,4}){1,4})|((:[0-9A-Fa-f]{1,4}){0,2}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9A-Fa-f]{1,4}:){2}(((:[0-9A-Fa-f]{1,4}){1,5})|((:[0-9A-Fa-f]{1,4}){0,3}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9A-Fa-f]{1,4}:){1}(((:[0-9A-Fa-f]{1,4}){1,6})|((:[0-9A-Fa-f]{1,4}){0,4}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(:(((:[0-9A-Fa-f]{1,4}){1,7})|((:[0-9A-Fa-f]{1,4}){0,5}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:)))(%.+)?\s*$))/u;

/**
 * A real IP address (node:net) that OCSF's `ip_t` also accepts. Every IPv4 address node
 * accepts, the pattern accepts too (the same octets, 0-255 without leading zeros), so only
 * IPv6 needs the pattern, which cost 2 % of a catch-up when run on every address.
 */
export function isOcsfIp(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 40) return false;
  const version = isIP(value);
  return version === 4 || (version === 6 && OCSF_IP.test(value));
}

/** An IP Elasticsearch's `ip` type indexes (a malformed one would reject the whole document). */
export function isEcsIp(value: unknown): value is string {
  return typeof value === 'string' && isIP(value) !== 0;
}

/** OCSF `email_t`, the schema's pattern verbatim. */
const OCSF_EMAIL = /^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/u;

export function isOcsfEmail(value: unknown): value is string {
  return typeof value === 'string' && OCSF_EMAIL.test(value);
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Epoch milliseconds of an RFC 3339 time (fraction beyond milliseconds truncated), or
 * undefined. A time without offset is taken as UTC (the API's zone), never the host's.
 */
export function parseTimeMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  // The API's own shape, `2026-05-22T15:25:13.701734Z`: Date.parse handles it directly.
  if (
    value.length >= 20 &&
    value.charCodeAt(10) === 84 /* T */ &&
    value.charCodeAt(value.length - 1) === 90 /* Z */
  ) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms) && RFC3339.test(value)) return ms;
  }
  const m = RFC3339.exec(value);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${(m[3] ?? 'Z').toUpperCase()}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `@timestamp` may carry the original text only if Elasticsearch's default date format reads it. */
export function isStrictIsoTime(value: string): boolean {
  return value.charCodeAt(10) === 84 /* T */ && /([Z]|[+-]\d{2}:\d{2})$/.test(value);
}

/**
 * A shallow copy of `source` without the `skip` keys (a handful: a linear scan beats a Set).
 * Written for hostile input: a key named `__proto__` is copied as data, never as the
 * prototype.
 */
export function copyWithout(source: JsonObject, skip: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(source)) {
    if (skip.length > 0 && skip.includes(key)) continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: source[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = source[key];
  }
  return out;
}

/** Reads a dotted path (`actor.user.uid`); arrays are not traversed. */
export function getPath(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
  }
  return node;
}

/** Writes a dotted path, creating plain objects on the way. */
export function setPath(root: JsonObject, path: readonly string[], value: unknown): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]];
    if (isObject(next)) node = next;
    else {
      const created: JsonObject = {};
      node[path[i]] = created;
      node = created;
    }
  }
  node[path[path.length - 1]] = value;
}

/** First of `fields` holding a non-empty string. */
export function firstString(source: JsonObject, fields: readonly string[]): string | undefined {
  for (const field of fields) {
    const value = source[field];
    if (isNonEmptyString(value)) return value;
  }
  return undefined;
}
