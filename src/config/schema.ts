import { z } from 'zod';
import {
  CREDENTIALS_IN_URL,
  duration,
  durationString,
  hasUserinfo,
  retrySchema,
  SECRET_FIELDS,
  sinkRoutingShape,
  type SinkRoutingConfig,
} from './fields';
import { SINK_FACTORIES, type SinkConfig } from '../sinks/registry';
import { tlsSchema } from '../util/tls';
import { namedProxyProblem, proxySetting } from '../http/proxy';
import { isLoopbackHost } from '../util/loopback';

/**
 * The whole configuration, in one place. Field names are the contract in DESIGN.md.
 * Every object is strict: an unknown key is almost always a typo, and a typo in a
 * forwarder's config is data silently not collected.
 */

const idList = z.array(z.string().min(1)).default([]);

/** "now", a duration back ("24h"), or an RFC 3339 timestamp. */
const startAt = z
  .string()
  .refine((v) => v === 'now' || /^\d+(\.\d+)?(ms|s|m|h|d)$/.test(v) || !Number.isNaN(Date.parse(v)), {
    message:
      'expected "now", a duration back such as "24h", or an RFC 3339 time such as "2026-05-01T00:00:00Z"',
  });

/** A duration, or 0 (a bare number or "0") to turn the thing off. */
const durationOrOff = z
  .union([z.literal(0), z.literal('0'), durationString])
  .transform((v) => (v === '0' ? 0 : v));

const FINGERPRINT = z.string().regex(/^[0-9a-f]{64}$/, {
  message: "expected 64 lowercase hex digits: the SHA-256 of the key's DER SubjectPublicKeyInfo",
});

/** A pinned checkpoint-signing key: its fingerprint, or with the dates it may sign between. */
const trustedKey = z.union([
  FINGERPRINT,
  z.strictObject({
    fingerprint: FINGERPRINT,
    signing_since: z.iso.datetime({ offset: true }).optional(),
    retired_on: z.iso.datetime({ offset: true }).optional(),
  }),
]);

/**
 * The late lane for Access Transparency rows (anthropic_access, cmek_preserve), which can
 * become visible up to two business days after their created_at (spec: access-transparency.md §2.5).
 */
export const accessTransparencySchema = z
  .strictObject({
    /** How often the lane re-reads the window; 0 turns it off (a warning at start-up). */
    sweep_interval: durationOrOff.prefault('15m'),
    /** How far back from the newest created_at seen; two business days across weekends and holidays. */
    sweep_window: duration('168h'),
    /** Verify Anthropic's transparency log: auto when it exists (404: none yet), true (a missing log is an error), false. */
    verify_log: z
      .union([z.literal('auto'), z.boolean()], { error: 'expected auto, true or false' })
      .default('auto'),
    /** From the Console (Settings > Organization): the log's origin derives from it, never from an API answer. */
    organization_uuid: z
      .string()
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, {
        message: 'expected the organization UUID in lowercase, e.g. 25f6429a-3293-49bf-afed-cb312911554b',
      })
      .optional(),
    verify_interval: duration('1h'),
    /** A committed event the feed has not served after this is a finding. */
    unserved_grace: duration('24h'),
    /** Key fingerprints trusted beside Anthropic's published one. */
    trusted_keys: z.array(trustedKey).default([]),
    /** Each verification finding is also sent to the sinks as an event (it never moves the checkpoint). */
    finding_events: z.boolean().default(false),
  })
  .prefault({})
  .superRefine((a, ctx) => {
    if (a.verify_log === true && a.organization_uuid === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['organization_uuid'],
        message:
          'missing: verify_log is true, and the log is found by the organization UUID shown in the Console (Settings > Organization)',
      });
    }
    if (a.sweep_window < 48 * 3_600_000) {
      ctx.addIssue({
        code: 'custom',
        path: ['sweep_window'],
        message:
          'must be at least 48h: Access Transparency rows can appear up to two business days late (168h covers weekends and holidays)',
      });
    }
  });

export const sourceSchema = z
  .strictObject({
    type: z
      .literal('compliance_api', { error: 'the only source type is "compliance_api"' })
      .default('compliance_api'),
    base_url: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://api.anthropic.com' })
      .refine((u) => !hasUserinfo(u), { error: CREDENTIALS_IN_URL })
      .default('https://api.anthropic.com'),
    /** Plain http is refused for anything but loopback unless this is set. */
    allow_insecure_http: z.boolean().default(false),
    api_key: z.string().min(1, 'the API key is empty').optional(),
    poll_interval: duration('30s'),
    page_size: z
      .number()
      .int()
      .min(1, 'page_size must be 1..5000')
      .max(5000, 'page_size must be 1..5000 (the API limit)')
      .default(1000),
    start_at: startAt.default('24h'),
    lookback: duration('10m'),
    max_requests_per_minute: z
      .number()
      .int()
      .min(1)
      .max(
        600,
        'the API allows 600 requests/min per parent organization, shared with every other tool; stay below it',
      )
      .default(120),
    /** One deadline for each request, body included. */
    request_timeout: duration('60s'),
    /** Longest wait a Retry-After or rate-limit reset is obeyed; a longer one is capped, logged and counted. */
    max_wait: duration('15m'),
    /**
     * Catching up a long window (first run, or after downtime): cut it into created_at
     * slices and fetch this many at once, still delivered in order and within
     * max_requests_per_minute. 1 turns it off.
     */
    backfill_concurrency: z.number().int().min(1).max(16).default(8),
    activity_types: idList,
    exclude_activity_types: idList,
    organization_ids: idList,
    actor_ids: idList.refine((ids) => ids.every((id) => id.startsWith('user_')), {
      message: 'actor_ids takes user_… ids only (the API has no API-key filter: use api_key_ids)',
    }),
    api_key_ids: idList,
    self_events: z.enum(['keep', 'drop'], { error: 'expected keep or drop' }).default('keep'),
    access_transparency: accessTransparencySchema,
    tls: tlsSchema.optional(),
    /** After a transient failure (429 without Retry-After, 5xx, timeout, reset); Retry-After is honoured on top. */
    retry: retrySchema,
    /** http://[user:password@]host:port, or false to ignore HTTPS_PROXY; absent, the environment applies (http/proxy.ts). */
    proxy: proxySetting,
  })
  .superRefine((s, ctx) => {
    if (s.api_key === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['api_key'],
        message: 'missing; set source.api_key (e.g. ${ANTHROPIC_COMPLIANCE_KEY}) or source.api_key_file',
      });
    }
    if (s.activity_types.length > 0 && s.exclude_activity_types.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['exclude_activity_types'],
        message: 'cannot be combined with activity_types (the API refuses both); keep one of them',
      });
    }
    if (s.max_wait < 1000) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_wait'],
        message:
          "must be at least 1s: shorter, every 429 is retried at once and the tenant's shared rate limit is hammered; the default is 15m",
      });
    }
    const url = new URL(s.base_url);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !s.allow_insecure_http) {
      ctx.addIssue({
        code: 'custom',
        path: ['base_url'],
        message:
          'plain http:// would send the API key unencrypted; use https:// (or set allow_insecure_http: true for a trusted test network)',
      });
    }
    const proxyProblem = namedProxyProblem(s.base_url, s.proxy, 'the API key');
    if (proxyProblem) ctx.addIssue({ code: 'custom', path: ['proxy'], message: proxyProblem });
  });

export const checkpointSchema = z
  .strictObject({
    type: z.literal('file', { error: 'the only checkpoint store is "file"' }).default('file'),
    path: z.string().min(1).default('./data/checkpoint.json'),
    /** Completeness records kept in the checkpoint (one per poll cycle). */
    history: z.number().int().min(1).max(10_000).default(200),
  })
  .prefault({});

export const pipelineSchema = z
  .strictObject({
    max_buffered_events: z.number().int().min(100).max(10_000_000).default(10_000),
    /** How long shutdown waits for in-flight batches before leaving them to the next run. */
    shutdown_timeout: duration('30s'),
    /**
     * isolate: a sink that is down, or far behind, is detached and catches up from the API on
     * its own while the others flow. block: every sink moves in lock-step (one stalls all).
     */
    on_sink_failure: z.enum(['isolate', 'block'], { error: 'expected isolate or block' }).default('isolate'),
  })
  .prefault({});

export const healthSchema = z
  .strictObject({
    /**
     * A sink that has not delivered for this long (failing, or a batch not acknowledged) is
     * unhealthy: /readyz answers 503 and sink_healthy reads 0.
     */
    unhealthy_after: durationString
      .refine((ms) => ms >= 1000, 'must be at least 1s (a batch takes some time to be acknowledged)')
      .prefault('30s'),
  })
  .prefault({});

export const deadLetterSchema = z
  .strictObject({
    path: z.string().min(1).default('./data/dead-letter.jsonl'),
  })
  .prefault({});

// Built from the registry, so a new sink type needs no edit here; every type takes the
// routing blocks (filter, privacy), defined once.
const sinkSchema = z.discriminatedUnion(
  'type',
  SINK_FACTORIES.map((f) =>
    (f.configSchema as unknown as z.ZodObject).safeExtend(sinkRoutingShape),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
) as unknown as z.ZodType<SinkConfig & SinkRoutingConfig>;

/** Where /metrics, /healthz and /readyz are served when metrics.listen is not set. */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9464';

export const metricsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /**
     * host:port for /metrics, /healthz and /readyz (default 127.0.0.1:9464). When set, a
     * port that cannot be bound stops the forwarder; the default is best effort (a warning).
     */
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'expected host:port, e.g. "127.0.0.1:9464"')
      .optional()
      .describe(
        'host:port serving /metrics, /healthz and /readyz (default 127.0.0.1:9464, best effort; when set, a taken port stops the start)',
      ),
  })
  .prefault({});

export const logSchema = z
  .strictObject({
    level: z
      .enum(['error', 'warn', 'info', 'debug'], { error: 'expected error, warn, info or debug' })
      .default('info'),
    format: z.enum(['json', 'text'], { error: 'expected json or text' }).default('json'),
  })
  .prefault({});

export const telemetrySchema = z
  .strictObject({
    /**
     * OpenTelemetry traces and metrics over OTLP (@splunk/otel). Unset: on only when
     * OTEL_EXPORTER_OTLP_ENDPOINT (or its _TRACES_/_METRICS_ form) is set; false: always off.
     */
    enabled: z
      .boolean()
      .optional()
      .describe('OpenTelemetry over OTLP; unset: on only when OTEL_EXPORTER_OTLP_ENDPOINT is set'),
    service_name: z.string().min(1).default('claude-audit-forwarder'),
    /** OTLP/HTTP base URL, e.g. http://otel-collector:4318 (default: OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318). */
    endpoint: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://otel-collector:4318' })
      .refine((u) => !hasUserinfo(u), { error: CREDENTIALS_IN_URL })
      .optional()
      .describe('OTLP/HTTP base URL, e.g. http://otel-collector:4318'),
  })
  .prefault({});

export const configSchema = z.strictObject({
  source: sourceSchema,
  checkpoint: checkpointSchema,
  pipeline: pipelineSchema,
  dead_letter: deadLetterSchema,
  sinks: z
    .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'sink names are letters, digits, - and _'), sinkSchema)
    .refine((s) => Object.keys(s).length > 0, {
      message: 'configure at least one sink (e.g. a file or splunk_hec sink)',
    })
    .refine((s) => Object.keys(s).length <= 31, {
      message: 'at most 31 sinks; run a second forwarder for more',
    }),
  health: healthSchema,
  metrics: metricsSchema,
  log: logSchema,
  telemetry: telemetrySchema,
});

export type ForwarderConfig = z.output<typeof configSchema>;
export type SourceConfig = ForwarderConfig['source'];

/** The JSON Schema editors use for completion (`validate --print-schema`, schema/config.schema.json). */
export function configJsonSchema(): unknown {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  addSecretFileAlternatives(schema);
  return schema;
}

/**
 * The loader turns `<secret>_file` into `<secret>` before validation, so the zod schema never
 * sees the file form; editors must, so each secret field gets its `_file` twin here.
 */
function addSecretFileAlternatives(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(addSecretFileAlternatives);
  if (node === null || typeof node !== 'object') return;
  const obj = node as { properties?: Record<string, unknown>; required?: string[] };
  if (obj.properties) {
    for (const field of SECRET_FIELDS) {
      if (!(field in obj.properties)) continue;
      obj.properties[`${field}_file`] = {
        type: 'string',
        description: `path of a file holding ${field} (e.g. a mounted Kubernetes secret)`,
      };
      if (obj.required) obj.required = obj.required.filter((r) => r !== field);
    }
  }
  for (const value of Object.values(node)) addSecretFileAlternatives(value);
}
