import { z } from 'zod';
import { baseUrl, batchSchema, duration, outputFormat, retrySchema } from '../../config/fields';
import { tlsSchema } from '../../util/tls';
import { namedProxyProblem, proxySetting } from '../../http/proxy';
import { refuseAccidentalPlaintext, type PlaintextPath } from '../../config/plaintext';

/** A path is kept as a prefix (a reverse proxy mounting the engine under /es). */
const endpoint = baseUrl({
  expected: 'expected a base URL, e.g. "https://es-1.example.com:9200"',
  what: "the node's base URL",
  example: 'https://es-1.example.com:9200',
});

/**
 * Elastic Cloud ID: `<label>:<base64("<host>[:<port>]$<es-uuid>$<kibana-uuid>")>`; the
 * Elasticsearch URL is https://<es-uuid>.<host>[:<port>] (443 unless given).
 */
export function cloudIdEndpoint(cloudId: string): string | undefined {
  const colon = cloudId.indexOf(':');
  const encoded = colon >= 0 ? cloudId.slice(colon + 1) : cloudId;
  let decoded: string;
  try {
    decoded = Buffer.from(encoded, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const [hostPort, esUuid] = decoded.split('$');
  if (!hostPort || !esUuid || !/^[A-Za-z0-9.-]+(?::\d+)?$/.test(hostPort) || !/^[A-Za-z0-9-]+$/.test(esUuid))
    return undefined;
  const [host, port] = hostPort.split(':');
  return `https://${esUuid}.${host}${port && port !== '443' ? `:${port}` : ''}`;
}

/** `<type>-<dataset>-<namespace>`, the data stream naming scheme; undefined for another name. */
export function dataStreamParts(
  index: string,
): { type: string; dataset: string; namespace: string } | undefined {
  const m = /^(logs|metrics|traces|synthetics)-([^-]+)-([^-]+)$/.exec(index);
  return m ? { type: m[1], dataset: m[2], namespace: m[3] } : undefined;
}

/** Lowercase, no \ / * ? " < > | , # space, not starting with - _ +, at most 255 bytes. */
const indexName = z
  .string()
  .min(1)
  .refine(
    (s) =>
      s === s.toLowerCase() &&
      !/[\\/*?"<>|,# :]/.test(s) &&
      !/^[-_+.]/.test(s) &&
      Buffer.byteLength(s) <= 255,
    'not a valid index or data stream name: lowercase, none of \\ / * ? " < > | , # : or space, not starting with - _ + or .',
  );

export const elasticsearchSinkConfig = z
  .strictObject({
    type: z.literal('elasticsearch'),
    /** Nodes to send to: requests are spread over them and move on when one fails. */
    endpoints: z.array(endpoint).min(1).optional(),
    /** Elastic Cloud: the deployment's Cloud ID instead of endpoints (use with api_key). */
    cloud_id: z.string().trim().min(1).optional(),
    format: outputFormat.default('ecs'),
    /**
     * Data stream (or index, or alias) written to. A `logs-<dataset>-<namespace>` name is a
     * data stream on Elasticsearch's built-in `logs` template; any other name needs a template
     * (install_templates) or an existing index.
     */
    index: indexName.default('logs-claude.audit-default'),
    /**
     * Puts an index template typed for `format` in place for `index` at start-up (templates.ts).
     * On by default, as in Beats and Logstash: dynamic mapping refuses part of the activity mix.
     */
    install_templates: z.boolean().default(true),
    /** `Authorization: ApiKey`: the `encoded` value Elasticsearch returns (secret). */
    api_key: z.string().trim().min(1).optional(),
    username: z.string().min(1).optional(),
    /** With username: basic authentication (secret). */
    password: z.string().min(1).optional(),
    /** An ingest pipeline to run on every document (`pipeline` on `_bulk`). */
    pipeline: z.string().min(1).optional(),
    compression: z.enum(['gzip', 'none'], { error: 'expected gzip or none' }).default('gzip'),
    // Audit events are small: 1,000 per request stays far below every engine's limits.
    batch: batchSchema({ max_events: 1000, max_bytes: '5MB', timeout: '1s', concurrency: 4 }),
    request_timeout: duration('60s'),
    retry: retrySchema,
    tls: tlsSchema.optional(),
    proxy: proxySetting,
    allow_plaintext: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.cloud_id !== undefined && c.endpoints !== undefined)
      ctx.addIssue({ code: 'custom', path: ['cloud_id'], message: 'set cloud_id or endpoints, not both' });
    else if (c.cloud_id !== undefined && cloudIdEndpoint(c.cloud_id) === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['cloud_id'],
        message: 'not an Elastic Cloud ID (<name>:<base64 text>); copy it from the deployment page',
      });
    else if (c.cloud_id === undefined && c.endpoints === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints'],
        message: 'missing; list the nodes, e.g. ["https://es-1.example.com:9200"], or set cloud_id',
      });
    refuseAccidentalPlaintext(elasticsearchPlaintextPath(c), c.allow_plaintext, ctx);
    if (c.api_key !== undefined && (c.username !== undefined || c.password !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['api_key'],
        message: 'set api_key or username/password, not both',
      });
    if ((c.username === undefined) !== (c.password === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [c.username === undefined ? 'username' : 'password'],
        message: 'username and password go together; set both (or use api_key)',
      });
    const credential = c.api_key !== undefined ? 'the API key' : 'the password';
    for (const [i, e] of (c.endpoints ?? []).entries()) {
      const problem = namedProxyProblem(e, c.proxy, credential);
      if (problem) ctx.addIssue({ code: 'custom', path: ['proxy'], message: problem });
      if (c.tls && e.startsWith('http:') && c.tls.enabled !== false)
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', i],
          message: 'tls is set but this endpoint is http://; use https://',
        });
    }
  });

export type ElasticsearchSinkConfig = z.output<typeof elasticsearchSinkConfig>;

/** The nodes to send to: `endpoints`, or the one a valid `cloud_id` names. */
export function configuredEndpoints(cfg: Pick<ElasticsearchSinkConfig, 'endpoints' | 'cloud_id'>): string[] {
  if (cfg.endpoints) return cfg.endpoints;
  const fromCloud = cfg.cloud_id === undefined ? undefined : cloudIdEndpoint(cfg.cloud_id);
  return fromCloud === undefined ? [] : [fromCloud];
}

/** http:// endpoints carry the credential and every event in clear. */
export function elasticsearchPlaintextPath(
  cfg: Pick<ElasticsearchSinkConfig, 'endpoints' | 'cloud_id' | 'api_key' | 'password'>,
): PlaintextPath | undefined {
  const hosts = configuredEndpoints(cfg)
    .filter((e) => e.startsWith('http:'))
    .map((e) => new URL(e).hostname);
  if (hosts.length === 0) return undefined;
  return {
    field: 'endpoints',
    hosts,
    credential:
      cfg.api_key !== undefined ? 'the API key' : cfg.password !== undefined ? 'the password' : undefined,
    fix: 'use https:// endpoints',
  };
}
