import { z } from 'zod';
import { parseDuration, parseSize } from '../util/units';
import type { BackoffPolicy } from '../util/retry';

/**
 * Building blocks shared by every part of the config schema, so that a duration, a size or
 * a batch means the same thing in every section.
 */

/**
 * `user:password@` in a URL or address would be printed wherever the URL is (logs, `validate`,
 * the checkpoint). Refused, and never echoed: the message names the field only.
 */
export const CREDENTIALS_IN_URL =
  'remove the user:password@ part: credentials never go in a URL or address (they would be printed wherever it is); give them in the secret fields (api_key, token, sasl.password, each with a *_file form)';

/**
 * A destination's http(s) base URL. Credentials, a query or a fragment in it are refused; a
 * path is kept as a prefix (a reverse proxy mounting the service under one), less a trailing
 * slash and whatever `trimPath` matches (a path people paste together with the host), unless
 * the destination takes none (`pathless`).
 */
export function baseUrl(opts: {
  /** When the value is not a string, e.g. 'expected a base URL, e.g. "https://…"'. */
  readonly expected: string;
  /** What to write instead of a non-URL, e.g. "the node's base URL". */
  readonly what: string;
  readonly example: string;
  /** Said after "remove the query string/fragment". */
  readonly queryHint?: string;
  readonly trimPath?: RegExp;
  /** Set for a URL that takes no path, query or fragment: what to write instead (the message). */
  readonly pathless?: string;
}) {
  return z.string({ error: opts.expected }).transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a URL; write ${opts.what}, e.g. "${opts.example}"`,
      });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: `use an http:// or https:// URL (got ${url.protocol}//)` });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: CREDENTIALS_IN_URL });
      return z.NEVER;
    }
    if (
      opts.pathless !== undefined &&
      ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    ) {
      ctx.addIssue({ code: 'custom', message: opts.pathless });
      return z.NEVER;
    }
    if (url.search || url.hash) {
      ctx.addIssue({
        code: 'custom',
        message: `remove the query string/fragment${opts.queryHint ? `; ${opts.queryHint}` : ''}`,
      });
      return z.NEVER;
    }
    const path = (opts.trimPath ? url.pathname.replace(opts.trimPath, '') : url.pathname).replace(/\/+$/, '');
    return `${url.protocol}//${url.host}${path}`;
  });
}

export function hasUserinfo(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/** A duration string ("30s", "10m", "24h"), parsed to milliseconds. */
export const durationString = z
  .string({ error: 'expected a duration string such as "30s", "10m" or "24h"' })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a duration; write it as a number and a unit (ms, s, m, h, d), e.g. "30s"`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** A duration with a default (given as the user would write it). */
export function duration(defaultValue: string) {
  return durationString.prefault(defaultValue);
}

/** A size string ("1MB", "512KiB", "2048"), parsed to bytes. */
export const sizeString = z
  .union([z.string(), z.number().int().nonnegative()], { error: 'expected a size such as "1MB" or "512KiB"' })
  .transform((value, ctx) => {
    const bytes = typeof value === 'number' ? value : parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${String(value)}" is not a size; write e.g. "1MB", "512KiB" or a number of bytes`,
      });
      return z.NEVER;
    }
    return bytes;
  });

/** A size with a default (given as the user would write it). */
export function size(defaultValue: string) {
  return sizeString.prefault(defaultValue);
}

export const outputFormat = z.enum(['ocsf', 'ecs', 'raw'], {
  error: 'expected one of ocsf, ecs, raw',
});
export type OutputFormat = z.infer<typeof outputFormat>;

/** Batching knobs every sink accepts, with per-sink defaults. */
export function batchSchema(defaults: {
  max_events: number;
  max_bytes: string;
  timeout: string;
  concurrency?: number;
}) {
  return z
    .strictObject({
      max_events: z.number().int().min(1).max(100_000).default(defaults.max_events),
      max_bytes: size(defaults.max_bytes),
      timeout: duration(defaults.timeout),
      concurrency: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(defaults.concurrency ?? 1),
    })
    .prefault({});
}

/** Converts a parsed batch section to the limits the pipeline uses. */
export function batchLimits(b: {
  max_events: number;
  max_bytes: number;
  timeout: number;
  concurrency: number;
}) {
  return { maxEvents: b.max_events, maxBytes: b.max_bytes, timeoutMs: b.timeout, concurrency: b.concurrency };
}

/**
 * The one `retry:` block, with the same names and defaults in `source:` and in every sink:
 * how long to wait after a transient failure (network, timeout, 5xx, a restarting broker or
 * receiver), doubling up to `max_backoff`. Refused credentials are retried at `max_backoff`.
 * Nothing is ever dropped: the same data is retried until it is accepted or shutdown.
 */
export const retrySchema = z
  .strictObject({
    /** First wait after a transient failure. */
    initial_backoff: duration('1s'),
    /** Ceiling of the exponential backoff; also the wait while credentials are refused. */
    max_backoff: duration('30s'),
  })
  .superRefine((r, ctx) => {
    if (r.max_backoff < r.initial_backoff) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_backoff'],
        message: 'must be at least retry.initial_backoff',
      });
    }
  })
  .prefault({});
export type RetryConfig = z.output<typeof retrySchema>;

/** A parsed `retry:` block as the policy util/retry.ts uses. */
export function backoffPolicy(r: RetryConfig): BackoffPolicy {
  return { initialMs: r.initial_backoff, maxMs: r.max_backoff };
}

/**
 * Fields that hold secrets. Each may instead be given as `<name>_file` (a path, read at
 * start-up: Kubernetes secrets mount as files). The loader resolves the file and registers
 * the value for redaction, so the schema only ever sees the plain field.
 */
export const SECRET_FIELDS = [
  'api_key',
  'token',
  'password',
  'key_password',
  'pseudonymize_key',
  'client_secret',
  'secret_access_key',
  'session_token',
] as const;

/** OCSF severities by name, lowest first (severity_id 1..5), for a sink's filter.min_severity. */
export const SEVERITY_NAMES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type SeverityName = (typeof SEVERITY_NAMES)[number];

/** The fields an activity is tracked, deduplicated and mapped by: never dropped or rewritten. */
const KEY_FIELDS = new Set(['id', 'type', 'created_at']);

const globList = z.array(z.string().min(1, 'an empty pattern matches nothing; remove it')).default([]);

const fieldPaths = z
  .array(
    z
      .string()
      .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'expected a dotted path in the activity, e.g. "actor.email_address"')
      .refine((path) => !KEY_FIELDS.has(path), {
        message:
          'id, type and created_at identify and order an activity; they cannot be dropped or rewritten',
      }),
  )
  .default([]);

/** `filter:` in every sink: which activities this sink takes (the rest count as done for it). */
export const sinkFilterSchema = z
  .strictObject({
    /** Glob patterns (* and ?); empty: every type. Any may match. */
    activity_types: globList,
    exclude_activity_types: globList,
    min_severity: z
      .enum(SEVERITY_NAMES, {
        error: `expected one of ${SEVERITY_NAMES.join(', ')} (the mapped OCSF severity)`,
      })
      .optional(),
    /** org_… ids or organization UUIDs; empty: every organization. */
    organization_ids: z.array(z.string().min(1)).default([]),
  })
  .optional();
export type SinkFilterConfig = z.output<typeof sinkFilterSchema>;

/** `privacy:` in every sink: fields removed or replaced by a keyed hash before formatting. */
export const sinkPrivacySchema = z
  .strictObject({
    drop_fields: fieldPaths,
    pseudonymize_fields: fieldPaths,
    /** HMAC-SHA256 key (secret; `pseudonymize_key_file` is resolved by the config loader). */
    pseudonymize_key: z.string().min(1, 'the key is empty').optional(),
  })
  .superRefine((p, ctx) => {
    if (p.pseudonymize_fields.length > 0 && p.pseudonymize_key === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['pseudonymize_key'],
        message:
          'missing: pseudonymize_fields needs a key; set pseudonymize_key_file (e.g. /run/secrets/pseudonym-key) or pseudonymize_key: ${PSEUDONYM_KEY}',
      });
  })
  .optional();
export type SinkPrivacyConfig = z.output<typeof sinkPrivacySchema>;

/** The routing blocks every sink type accepts beside its own fields. */
export const sinkRoutingShape = { filter: sinkFilterSchema, privacy: sinkPrivacySchema };
export interface SinkRoutingConfig {
  readonly filter?: SinkFilterConfig;
  readonly privacy?: SinkPrivacyConfig;
}
