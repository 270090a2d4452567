import { z } from 'zod';
import { batchSchema, CREDENTIALS_IN_URL, duration, retrySchema } from '../../config/fields';
import { tlsSchema } from '../../util/tls';
import { namedProxyProblem, proxySetting } from '../../http/proxy';
import { refuseAccidentalPlaintext, type PlaintextPath } from '../../config/plaintext';

/** Azure's documented limit per Logs Ingestion call (the SDK keeps chunks below it too). */
export const MAX_CALL_BYTES = 1_000_000;

/** Monitor audience per cloud, by the authority host that cloud's Entra ID answers on. */
const AUDIENCE_BY_AUTHORITY: Readonly<Record<string, string>> = {
  'login.microsoftonline.com': 'https://monitor.azure.com',
  'login.microsoftonline.us': 'https://monitor.azure.us',
  'login.chinacloudapi.cn': 'https://monitor.azure.cn',
};

/** Authority hosts MSAL knows; any other needs instance discovery off (it asks the public cloud). */
export function knownAuthority(authorityHost: string): boolean {
  return new URL(authorityHost).hostname in AUDIENCE_BY_AUTHORITY;
}

function httpsUrl(what: string, example: string) {
  return z.string({ error: `expected ${what}, e.g. "${example}"` }).transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a URL; write ${what}, e.g. "${example}"` });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: `use an https:// URL (got ${url.protocol}//)` });
      return z.NEVER;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: CREDENTIALS_IN_URL });
      return z.NEVER;
    }
    if (url.search || url.hash || url.pathname.replace(/\/+$/, '') !== '') {
      ctx.addIssue({
        code: 'custom',
        message: `write only the scheme and host, e.g. "${example}" (the sink adds the paths)`,
      });
      return z.NEVER;
    }
    return `${url.protocol}//${url.host}`;
  });
}

const CREDENTIALS = ['client_secret', 'client_certificate', 'workload_identity', 'managed_identity'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const sentinelSinkConfig = z
  .strictObject({
    type: z.literal('sentinel'),
    /** A Data Collection Endpoint, or the DCR's own logs-ingestion endpoint. */
    endpoint: httpsUrl(
      'the logs-ingestion endpoint',
      'https://my-dce-abcd.eastus-1.ingest.monitor.azure.com',
    ),
    dcr_immutable_id: z
      .string()
      .regex(
        /^dcr-[0-9a-f]{32}$/,
        'expected the DCR immutableId, "dcr-" and 32 hex digits (az monitor data-collection rule show --query immutableId)',
      ),
    stream: z
      .string()
      .regex(
        /^Custom-[A-Za-z][A-Za-z0-9_]*$/,
        'expected the stream declared in the DCR, e.g. "Custom-ClaudeAudit"',
      )
      .default('Custom-ClaudeAudit'),
    /** How the sink gets its Entra ID token; omitted: client_secret or client_certificate, whichever is set. */
    credential: z.enum(CREDENTIALS, { error: `expected one of ${CREDENTIALS.join(', ')}` }).optional(),
    /** The directory (tenant) id; not used by managed identity. */
    tenant_id: z.string().min(1).optional(),
    /** The app registration's (or user-assigned managed identity's) client id. */
    client_id: z.string().regex(GUID, 'expected the client (application) id, a GUID').optional(),
    /** Secret (`client_secret_file` is resolved by the config loader). */
    client_secret: z.string().min(1).optional(),
    /** PEM file holding the certificate registered on the app and its private key. */
    client_certificate_file: z.string().min(1).optional(),
    /** The service account token AKS projects (AZURE_FEDERATED_TOKEN_FILE). */
    federated_token_file: z.string().min(1).optional(),
    /** Entra ID: https://login.microsoftonline.us (Azure Government), https://login.chinacloudapi.cn (Azure China). */
    authority_host: httpsUrl('the Entra ID authority host', 'https://login.microsoftonline.com').default(
      'https://login.microsoftonline.com',
    ),
    /** The token audience; omitted: the monitor audience of the authority host's cloud. */
    audience: z.url({ protocol: /^https$/, error: 'expected e.g. "https://monitor.azure.com"' }).optional(),
    // Rows are ~1-2 KB; Azure refuses calls over 1 MB (413).
    batch: batchSchema({ max_events: 500, max_bytes: '1MB', timeout: '1s', concurrency: 4 }),
    request_timeout: duration('30s'),
    retry: retrySchema,
    /** Applies to the ingestion endpoint and to Entra ID (a TLS-inspecting proxy's CA, say). */
    tls: tlsSchema.optional(),
    proxy: proxySetting,
    /** An http:// endpoint other than loopback is refused unless this is set. */
    allow_plaintext: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    refuseAccidentalPlaintext(sentinelPlaintextPath(c), c.allow_plaintext, ctx);
    if (c.batch.max_bytes > MAX_CALL_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['batch', 'max_bytes'],
        message: `Azure refuses calls over 1 MB; set at most "1MB" (${MAX_CALL_BYTES} bytes)`,
      });
    }
    const credential = resolvedCredential(c);
    if (credential === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['credential'],
        message:
          'no credential: set client_secret (or client_secret_file), client_certificate_file, or credential: workload_identity | managed_identity',
      });
      return;
    }
    const given = [
      c.client_secret && 'client_secret',
      c.client_certificate_file && 'client_certificate_file',
    ].filter(Boolean);
    if (
      given.length > 1 ||
      (c.credential !== undefined && given.length > 0 && resolvedFromFields(c) !== credential)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['credential'],
        message: `conflicting credentials (${[c.credential, ...given].filter(Boolean).join(', ')}); keep one`,
      });
    }
    const need = (field: 'tenant_id' | 'client_id' | 'federated_token_file', fix: string): void => {
      if (c[field] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `required with credential ${credential}; ${fix}`,
        });
    };
    if (credential !== 'managed_identity') {
      need('tenant_id', 'set the directory (tenant) id of the app registration');
      need('client_id', 'set the application (client) id');
    }
    if (credential === 'workload_identity')
      need(
        'federated_token_file',
        'set it to ${AZURE_FEDERATED_TOKEN_FILE} (injected by the AKS workload identity webhook)',
      );
    if (credential !== 'workload_identity' && c.federated_token_file !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['federated_token_file'],
        message: 'only used with credential: workload_identity',
      });
    if (c.audience === undefined && !knownAuthority(c.authority_host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['audience'],
        message: `authority_host ${c.authority_host} is not a cloud this sink knows; set audience (e.g. "https://monitor.azure.com")`,
      });
    }
    const proxyProblem = namedProxyProblem(c.endpoint, c.proxy, 'the Entra ID token');
    if (proxyProblem) ctx.addIssue({ code: 'custom', path: ['proxy'], message: proxyProblem });
  });

export type SentinelSinkConfig = z.output<typeof sentinelSinkConfig>;
export type SentinelCredentialKind = (typeof CREDENTIALS)[number];

function resolvedFromFields(c: Pick<SentinelSinkConfig, 'client_secret' | 'client_certificate_file'>) {
  if (c.client_secret !== undefined) return 'client_secret';
  if (c.client_certificate_file !== undefined) return 'client_certificate';
  return undefined;
}

export function resolvedCredential(
  c: Pick<SentinelSinkConfig, 'credential' | 'client_secret' | 'client_certificate_file'>,
): SentinelCredentialKind | undefined {
  return c.credential ?? resolvedFromFields(c);
}

/** The audience tokens are asked for: the configured one or the authority's cloud's. */
export function monitorAudience(c: Pick<SentinelSinkConfig, 'audience' | 'authority_host'>): string {
  return (c.audience ?? AUDIENCE_BY_AUTHORITY[new URL(c.authority_host).hostname]).replace(/\/+$/, '');
}

/** An http:// endpoint carries the bearer token and every event in clear. */
export function sentinelPlaintextPath(cfg: Pick<SentinelSinkConfig, 'endpoint'>): PlaintextPath | undefined {
  const url = new URL(cfg.endpoint);
  if (url.protocol !== 'http:') return undefined;
  return {
    field: 'endpoint',
    hosts: [url.hostname],
    credential: 'the Entra ID token',
    fix: 'use an https:// endpoint',
  };
}
