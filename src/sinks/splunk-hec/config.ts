import { z } from 'zod';
import { baseUrl, batchSchema, duration, outputFormat, retrySchema } from '../../config/fields';
import { tlsSchema } from '../../util/tls';
import { namedProxyProblem, proxySetting } from '../../http/proxy';
import { refuseAccidentalPlaintext, type PlaintextPath } from '../../config/plaintext';

/** Paths users paste together with the host; the sink adds the endpoint paths itself. */
const COLLECTOR_PATH = /\/services\/collector(?:\/event(?:\/1\.0)?|\/raw(?:\/1\.0)?)?\/?$/;

/**
 * `endpoint` is the HEC base URL (`https://splunk.example.com:8088`). A URL that already
 * ends in `/services/collector[/event]` is accepted and trimmed, because that is what
 * Splunk's own documentation shows and what people copy; any other path is kept as a
 * prefix (a reverse proxy mounting HEC under `/splunk`, say).
 */
const endpoint = baseUrl({
  expected: 'expected the HEC base URL, e.g. "https://splunk.example.com:8088"',
  what: 'the HEC base URL',
  example: 'https://splunk.example.com:8088',
  queryHint: 'the token goes in token (or token_file), never in the URL',
  trimPath: COLLECTOR_PATH,
});

const ackSchema = z
  .strictObject({
    /** How often pending ack ids are queried; Splunk's guidance is about every 10 s. */
    poll_interval: duration('10s'),
    /** No `true` after this long → the batch is resent (possible duplicate). Splunk: ~5 min. */
    timeout: duration('5m'),
    /**
     * Batches awaiting their ack at once. Further sends wait for a slot (backpressure), and
     * the memory held for possible resends stays at most max_pending × batch.max_bytes.
     */
    max_pending: z.number().int().min(1).max(10_000).default(64),
  })
  .prefault({});

export const splunkHecSinkConfig = z
  .strictObject({
    type: z.literal('splunk_hec'),
    endpoint,
    /** HEC token (secret; `token_file` is resolved by the config loader). */
    token: z.string().trim().min(1, 'the HEC token is empty; set token or token_file'),
    format: outputFormat.default('ocsf'),
    /** Omitted: the token's default index. */
    index: z.string().min(1).optional(),
    /** Omitted: Splunk's default (`http:<token name>`). */
    source: z.string().min(1).optional(),
    sourcetype: z.string().min(1).default('anthropic:claude:compliance'),
    /** Omitted: this machine's host name. */
    host: z.string().min(1).optional(),
    /** A batch counts as delivered only when /services/collector/ack says true. */
    indexer_acknowledgements: z.boolean().default(false),
    ack: ackSchema,
    compression: z.enum(['gzip', 'none'], { error: 'expected gzip or none' }).default('gzip'),
    // ≤ 1 MB per request by default: Splunk Cloud's practical limit (413 above it).
    batch: batchSchema({ max_events: 500, max_bytes: '1MB', timeout: '1s', concurrency: 8 }),
    /** One HTTP request (send, ack poll, health check); a request that takes longer is retried. */
    request_timeout: duration('30s'),
    /** After a transient failure (503, 429, 5xx, reset, timeout); max_backoff also paces a refused token. */
    retry: retrySchema,
    tls: tlsSchema.optional(),
    /** http://[user:password@]host:port, or false to ignore HTTPS_PROXY; absent, the environment applies (http/proxy.ts). */
    proxy: proxySetting,
    /** An http:// endpoint other than loopback is refused unless this is set. */
    allow_plaintext: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    refuseAccidentalPlaintext(hecPlaintextPath(c), c.allow_plaintext, ctx);
    if (c.ack.timeout <= c.ack.poll_interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['ack', 'timeout'],
        message:
          'must be longer than ack.poll_interval (Splunk suggests polling every 10s and resending after 5m)',
      });
    }
    const proxyProblem = namedProxyProblem(c.endpoint, c.proxy, 'the HEC token');
    if (proxyProblem) ctx.addIssue({ code: 'custom', path: ['proxy'], message: proxyProblem });
    if (c.tls && c.endpoint.startsWith('http:') && c.tls.enabled !== false) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'tls is set but endpoint is http://; use an https:// endpoint',
      });
    }
  });

export type SplunkHecSinkConfig = z.output<typeof splunkHecSinkConfig>;

/** An http:// endpoint carries the token and every event in clear. */
export function hecPlaintextPath(cfg: Pick<SplunkHecSinkConfig, 'endpoint'>): PlaintextPath | undefined {
  const url = new URL(cfg.endpoint);
  if (url.protocol !== 'http:') return undefined;
  return {
    field: 'endpoint',
    hosts: [url.hostname],
    credential: 'the HEC token',
    fix: 'use an https:// endpoint',
  };
}
