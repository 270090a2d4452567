import https from 'node:https';
import type http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  X509Certificate,
  createHash,
  createHmac,
  generateKeyPairSync,
  randomUUID,
  sign,
  timingSafeEqual,
  verify,
  constants,
  type KeyObject,
} from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Certificates } from './certs';

/**
 * A strict stand-in for Microsoft Entra ID and the Azure Monitor Logs Ingestion API, written
 * from Microsoft's documentation (../../../shared spec: sinks-more.md, "Microsoft Sentinel"),
 * over real TLS. It refuses what Azure refuses, so a sink that passes here is not passing
 * by leniency:
 *  - Entra ID: OpenID metadata and instance discovery (what MSAL asks for), the v2.0 token
 *    endpoint for client credentials with a secret, a certificate (client assertion JWT,
 *    signature and claims verified) or a federated token (AKS workload identity), and the
 *    managed-identity endpoints (IMDS and App Service). Tokens expire.
 *  - Ingestion: `POST /dataCollectionRules/<id>/streams/<stream>?api-version=2023-01-01` with a
 *    bearer token for the monitor audience, the Monitoring Metrics Publisher role on the DCR,
 *    `Content-Type: application/json`, optional `Content-Encoding: gzip`, at most 1 MB
 *    (compressed or not), a JSON array whose values fit the DCR's stream declaration. 204 on
 *    success; a single object is answered 204 and ingests nothing, as Azure does.
 */

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '0f6a2b2c-1c1d-4e4f-8a8b-9c9d0e0f1a1b';
export const CLIENT_SECRET = 'Qx8Q~test.client-secret_for-the-strict-receiver';
export const CERT_CLIENT_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
export const WORKLOAD_CLIENT_ID = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
export const MANAGED_IDENTITY_CLIENT_ID = '3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f';
export const IDENTITY_HEADER = 'app-service-identity-header-value';
export const DCR_ID = 'dcr-0123456789abcdef0123456789abcdef';
export const STREAM = 'Custom-ClaudeAudit';
export const FEDERATED_ISSUER = 'https://oidc.aks.test/cluster-1/';
export const FEDERATED_SUBJECT = 'system:serviceaccount:audit:claude-audit-forwarder';
export const MONITOR_AUDIENCE = 'https://monitor.azure.com';
export const API_VERSION = '2023-01-01';
/** The documented per-call limit. */
export const MAX_CALL_BYTES = 1_000_000;
/** Field values above this are truncated by Azure. */
export const MAX_FIELD_BYTES = 64 * 1024;

export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'boolean' | 'dynamic' | 'datetime';
export interface StreamColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** The stream declaration shipped in deploy/sentinel/dcr.json: the receiver checks what we ship. */
export function shippedStreamColumns(): StreamColumn[] {
  const template = JSON.parse(readFileSync(join(__dirname, '../../deploy/sentinel/dcr.json'), 'utf8')) as {
    resources: { properties: { streamDeclarations: Record<string, { columns: StreamColumn[] }> } }[];
  };
  return template.resources[0].properties.streamDeclarations[STREAM].columns;
}

export interface SentinelFaults {
  /** Answer this many ingestion calls with 503. */
  unavailable: number;
  /** Answer this many ingestion calls with 429 and `Retry-After: throttleSeconds`. */
  throttled: number;
  throttleSeconds: number;
  /** Answer this many token requests with 503 (Entra ID has bad minutes too). */
  tokenUnavailable: number;
}

export interface IngestedRow {
  readonly row: Record<string, unknown>;
  readonly clientRequestId?: string;
  readonly identity: string;
}

export interface SentinelExchange {
  readonly path: string;
  readonly status: number;
  readonly code?: string;
  readonly bytes: number;
  readonly gzip: boolean;
  readonly rows: number;
}

export interface SentinelReceiverOptions {
  readonly certs: Certificates;
  /** Seconds a token lives (Entra ID: 60-90 min; tests use seconds). */
  readonly tokenLifetimeSeconds?: number;
  /** The DCR's stream declaration; default the one shipped in deploy/sentinel. */
  readonly columns?: readonly StreamColumn[];
  /** PEM of the certificate registered for CERT_CLIENT_ID. */
  readonly clientCertificatePem?: string;
  /** A smaller per-call limit than Azure's 1 MB, so tests reach 413 with small records. */
  readonly maxCallBytes?: number;
}

interface IssuedToken {
  readonly aud: string;
  readonly exp: number;
  readonly identity: string;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

interface Jwt {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly signed: Buffer;
  readonly signature: Buffer;
}

function parseJwt(text: string): Jwt | undefined {
  const parts = text.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>,
      claims: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>,
      signed: Buffer.from(`${parts[0]}.${parts[1]}`),
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

function jsonBody(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

export class SentinelReceiver {
  readonly faults: SentinelFaults = { unavailable: 0, throttled: 0, throttleSeconds: 1, tokenUnavailable: 0 };
  /** Identities holding Monitoring Metrics Publisher on the DCR. */
  readonly publishers = new Set([CLIENT_ID, CERT_CLIENT_ID, WORKLOAD_CLIENT_ID, MANAGED_IDENTITY_CLIENT_ID]);
  readonly rows: IngestedRow[] = [];
  readonly exchanges: SentinelExchange[] = [];
  /** Every access token issued, to prove none reaches a log line. */
  readonly issuedTokens: string[] = [];
  /** Token requests answered with a token, by identity. */
  readonly tokensIssued = new Map<string, number>();
  /** Paths of Entra ID metadata requests (OpenID configuration, instance discovery). */
  readonly metadataRequests: string[] = [];
  private readonly server: https.Server;
  private signingKey = randomUUID();
  private readonly federationKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly columns: readonly StreamColumn[];
  private tokenLifetimeSeconds: number;
  private clientSecret = CLIENT_SECRET;
  private readonly maxCallBytes: number;

  constructor(private readonly options: SentinelReceiverOptions) {
    this.columns = options.columns ?? shippedStreamColumns();
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
    this.maxCallBytes = options.maxCallBytes ?? MAX_CALL_BYTES;
    this.server = https.createServer(
      {
        cert: readFileSync(options.certs.certFile),
        key: readFileSync(options.certs.keyFile),
        minVersion: 'TLSv1.2',
      },
      (req, res) =>
        void this.handle(req, res).catch((err: unknown) => {
          // A receiver bug must fail the test that hit it, not hang it.
          jsonBody(res, 500, { error: { code: 'ReceiverBug', message: String(err) } });
        }),
    );
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(port = 0): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  setTokenLifetime(seconds: number): void {
    this.tokenLifetimeSeconds = seconds;
  }

  /** Every token issued so far is refused from now on (a token the sink still thinks valid). */
  revokeTokens(): void {
    this.signingKey = randomUUID();
  }

  /** Rotates the app's secret: the old one is refused from now on. */
  rotateSecret(secret: string): void {
    this.clientSecret = secret;
  }

  /** A token of the AKS OIDC issuer for the workload's service account, as the kubelet projects it. */
  mintFederatedToken(claims: Record<string, unknown> = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'aks' }));
    const body = b64url(
      JSON.stringify({
        iss: FEDERATED_ISSUER,
        sub: FEDERATED_SUBJECT,
        aud: ['api://AzureADTokenExchange'],
        iat: now,
        nbf: now,
        exp: now + 3600,
        ...claims,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${header}.${body}`), this.federationKey.privateKey);
    return `${header}.${body}.${b64url(signature)}`;
  }

  /** Activity ids ingested, in order (duplicates included). */
  activityIds(): string[] {
    return this.rows.map((r) => String(r.row.ActivityId));
  }

  duplicates(): string[] {
    const seen = new Set<string>();
    const dup = new Set<string>();
    for (const id of this.activityIds()) (seen.has(id) ? dup : seen).add(id);
    return [...dup];
  }

  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    let body: Buffer;
    try {
      body = await this.readBody(req);
    } catch {
      res.destroy();
      return;
    }
    const path = url.pathname;
    if (/^\/dataCollectionRules\//.test(path)) return this.ingest(req, res, url, body);
    if (path === `/${TENANT_ID}/v2.0/.well-known/openid-configuration` && req.method === 'GET') {
      this.metadataRequests.push(path);
      return jsonBody(res, 200, this.openIdConfiguration());
    }
    if (path === '/common/discovery/instance' && req.method === 'GET') {
      this.metadataRequests.push(path);
      return jsonBody(res, 200, {
        tenant_discovery_endpoint: `${this.url}/${TENANT_ID}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [
          {
            preferred_network: new URL(this.url).host,
            preferred_cache: new URL(this.url).host,
            aliases: [new URL(this.url).host],
          },
        ],
      });
    }
    if (path === `/${TENANT_ID}/oauth2/v2.0/token` && req.method === 'POST')
      return this.token(req, res, body);
    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(path))
      return this.aadError(res, 400, 'invalid_request', 90002, `Tenant '${path.split('/')[1]}' not found.`);
    if (/^\/metadata\/identity\/oauth2\/token\/?$/.test(path) && req.method === 'GET')
      return this.imds(req, res, url);
    if (path === '/msi/token' && req.method === 'GET') return this.appService(req, res, url);
    jsonBody(res, 404, { error: { code: 'NotFound', message: `no such endpoint ${path}` } });
  }

  private readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        // Far past the limit: read no more (Azure answers 413 on the declared length too).
        if (size <= 4 * MAX_CALL_BYTES) chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private openIdConfiguration(): Record<string, unknown> {
    const base = `${this.url}/${TENANT_ID}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${this.url}/${TENANT_ID}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.url}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  private aadError(
    res: http.ServerResponse,
    status: number,
    error: string,
    code: number,
    text: string,
  ): void {
    jsonBody(res, status, {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    });
  }

  /** The audience a scope asks for, or undefined when it is not a monitor `.default` scope. */
  private audienceOf(scope: string | null): string | undefined {
    const m = /^(https:\/\/monitor\.azure\.(?:com|us|cn))\/{1,2}\.default$/.exec(scope ?? '');
    return m?.[1];
  }

  private token(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? ''))
      return this.aadError(
        res,
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      );
    if (this.faults.tokenUnavailable > 0) {
      this.faults.tokenUnavailable--;
      return jsonBody(res, 503, {
        error: 'temporarily_unavailable',
        error_description: 'AADSTS50196: service busy',
      });
    }
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials')
      return this.aadError(
        res,
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type.',
      );
    const clientId = form.get('client_id') ?? '';
    const known = [CLIENT_ID, CERT_CLIENT_ID, WORKLOAD_CLIENT_ID];
    if (!known.includes(clientId))
      return this.aadError(
        res,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory.`,
      );
    const audience = this.audienceOf(form.get('scope'));
    if (audience === undefined)
      return this.aadError(
        res,
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
      );
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    let problem: string | undefined;
    if (clientId === CLIENT_ID) {
      if (secret === null) problem = 'AADSTS7000216: client_assertion or client_secret is required.';
      else if (!this.sameSecret(secret)) problem = 'AADSTS7000215: Invalid client secret provided.';
    } else {
      if (secret !== null) problem = 'AADSTS7000215: Invalid client secret provided.';
      else if (
        form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' ||
        assertion === null
      )
        problem = 'AADSTS7000216: client_assertion or client_secret is required.';
      else
        problem =
          clientId === CERT_CLIENT_ID
            ? this.checkCertificateAssertion(assertion, clientId)
            : this.checkFederatedAssertion(assertion);
    }
    if (problem !== undefined) {
      const code = Number(/AADSTS(\d+)/.exec(problem)?.[1] ?? 7000215);
      return this.aadError(res, 401, 'invalid_client', code, problem.replace(/^AADSTS\d+: /, ''));
    }
    jsonBody(res, 200, {
      token_type: 'Bearer',
      expires_in: this.tokenLifetimeSeconds,
      ext_expires_in: this.tokenLifetimeSeconds,
      access_token: this.issue(audience, clientId),
    });
  }

  private sameSecret(given: string): boolean {
    const a = createHash('sha256').update(given).digest();
    const b = createHash('sha256').update(this.clientSecret).digest();
    return timingSafeEqual(a, b);
  }

  /** Microsoft's client assertion rules: x5t / x5t#S256 of the registered cert, RS256 or PS256, aud = token endpoint. */
  private checkCertificateAssertion(assertion: string, clientId: string): string | undefined {
    const pem = this.options.clientCertificatePem;
    if (pem === undefined) return 'AADSTS700027: no certificate is registered for this application.';
    const jwt = parseJwt(assertion);
    if (!jwt) return 'AADSTS50027: JWT token is invalid or malformed.';
    const cert = new X509Certificate(pem);
    const sha1 = b64url(createHash('sha1').update(cert.raw).digest());
    const sha256 = b64url(createHash('sha256').update(cert.raw).digest());
    if (jwt.header.x5t !== sha1 && jwt.header['x5t#S256'] !== sha256)
      return 'AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.';
    const key = cert.publicKey;
    const ok =
      jwt.header.alg === 'RS256'
        ? verify('sha256', jwt.signed, key, jwt.signature)
        : jwt.header.alg === 'PS256'
          ? verify(
              'sha256',
              jwt.signed,
              { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
              jwt.signature,
            )
          : false;
    if (!ok) return 'AADSTS700027: Client assertion failed signature validation.';
    return this.checkAssertionClaims(jwt, clientId, `${this.url}/${TENANT_ID}/oauth2/v2.0/token`);
  }

  private checkAssertionClaims(jwt: Jwt, clientId: string, audience: string): string | undefined {
    const now = Math.floor(Date.now() / 1000);
    const c = jwt.claims;
    if (c.aud !== audience)
      return `AADSTS700212: No matching federated identity record found for presented assertion audience '${String(c.aud)}'.`;
    if (c.iss !== clientId || c.sub !== clientId)
      return 'AADSTS700023: Client assertion audience claim does not match Realm issuer.';
    if (typeof c.exp !== 'number' || c.exp < now)
      return 'AADSTS700024: Client assertion is not within its valid time range.';
    if (typeof c.nbf === 'number' && c.nbf > now + 300)
      return 'AADSTS700024: Client assertion is not within its valid time range.';
    if (typeof c.jti !== 'string' || c.jti === '')
      return 'AADSTS700021: Client assertion application identifier does not match client_id.';
    return undefined;
  }

  /** The federated credential on WORKLOAD_CLIENT_ID trusts the AKS issuer for one service account. */
  private checkFederatedAssertion(assertion: string): string | undefined {
    const jwt = parseJwt(assertion);
    if (!jwt) return 'AADSTS50027: JWT token is invalid or malformed.';
    const publicKey: KeyObject = this.federationKey.publicKey;
    if (jwt.header.alg !== 'RS256' || !verify('sha256', jwt.signed, publicKey, jwt.signature))
      return 'AADSTS70021: No matching federated identity record found for presented assertion.';
    const c = jwt.claims;
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (
      c.iss !== FEDERATED_ISSUER ||
      c.sub !== FEDERATED_SUBJECT ||
      !aud.includes('api://AzureADTokenExchange')
    )
      return `AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '${String(c.iss)}'. Assertion Subject: '${String(c.sub)}'.`;
    if (typeof c.exp !== 'number' || c.exp < Math.floor(Date.now() / 1000))
      return 'AADSTS700024: Client assertion is not within its valid time range.';
    return undefined;
  }

  private issue(aud: string, identity: string): string {
    const exp = Math.floor(Date.now() / 1000) + this.tokenLifetimeSeconds;
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const claims = b64url(JSON.stringify({ aud, exp, appid: identity, tid: TENANT_ID, jti: randomUUID() }));
    const mac = createHmac('sha256', this.signingKey).update(`${header}.${claims}`).digest('base64url');
    this.tokensIssued.set(identity, (this.tokensIssued.get(identity) ?? 0) + 1);
    this.issuedTokens.push(`${header}.${claims}.${mac}`);
    return `${header}.${claims}.${mac}`;
  }

  private readToken(token: string): IssuedToken | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const mac = createHmac('sha256', this.signingKey).update(`${parts[0]}.${parts[1]}`).digest('base64url');
    if (mac !== parts[2]) return undefined;
    const c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as {
      aud: string;
      exp: number;
      appid: string;
    };
    return { aud: c.aud, exp: c.exp, identity: c.appid };
  }

  private managedIdentityToken(
    res: http.ServerResponse,
    resource: string | null,
    clientId: string | null,
    appService: boolean,
  ): void {
    const audience = /^(https:\/\/monitor\.azure\.(?:com|us|cn))\/?$/.exec(resource ?? '')?.[1];
    if (audience === undefined)
      return jsonBody(res, 400, {
        error: 'invalid_resource',
        error_description: `AADSTS500011: The resource principal named ${resource ?? ''} was not found in the tenant.`,
      });
    if (clientId !== null && clientId !== MANAGED_IDENTITY_CLIENT_ID)
      return jsonBody(res, 400, { error: 'invalid_request', error_description: 'Identity not found' });
    const now = Math.floor(Date.now() / 1000);
    const reply: Record<string, unknown> = {
      access_token: this.issue(audience, MANAGED_IDENTITY_CLIENT_ID),
      expires_on: String(now + this.tokenLifetimeSeconds),
      resource: audience,
      token_type: 'Bearer',
      client_id: MANAGED_IDENTITY_CLIENT_ID,
    };
    if (!appService) {
      reply.expires_in = String(this.tokenLifetimeSeconds);
      reply.not_before = String(now);
      reply.refresh_token = '';
    }
    jsonBody(res, 200, reply);
  }

  /** IMDS: `Metadata: true` is required (it proves the caller is not a redirected browser). */
  private imds(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    if (req.headers.metadata !== 'true')
      return jsonBody(res, 400, {
        error: 'invalid_request',
        error_description: 'Required metadata header not specified',
      });
    if (url.searchParams.get('api-version') === null)
      return jsonBody(res, 400, {
        error: 'invalid_request',
        error_description: 'Required query variable api-version is missing',
      });
    this.managedIdentityToken(
      res,
      url.searchParams.get('resource'),
      url.searchParams.get('client_id'),
      false,
    );
  }

  /** App Service / Container Apps: IDENTITY_ENDPOINT, with IDENTITY_HEADER in X-IDENTITY-HEADER. */
  private appService(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    if (req.headers['x-identity-header'] !== IDENTITY_HEADER)
      return jsonBody(res, 400, { statusCode: 400, message: 'X-IDENTITY-HEADER is missing or wrong' });
    if (url.searchParams.get('api-version') !== '2019-08-01')
      return jsonBody(res, 400, { statusCode: 400, message: 'api-version 2019-08-01 is required' });
    this.managedIdentityToken(res, url.searchParams.get('resource'), url.searchParams.get('client_id'), true);
  }

  private ingestError(
    res: http.ServerResponse,
    status: number,
    code: string,
    message: string,
    note: Omit<SentinelExchange, 'status' | 'code'>,
    headers: http.OutgoingHttpHeaders = {},
  ): void {
    this.exchanges.push({ ...note, status, code });
    jsonBody(res, status, { error: { code, message } }, { 'x-ms-error-code': code, ...headers });
  }

  private ingest(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: Buffer): void {
    const gzip = req.headers['content-encoding'] === 'gzip';
    const note = { path: url.pathname, bytes: raw.length, gzip, rows: 0 };
    const m = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !m)
      return this.ingestError(res, 404, 'NotFound', 'Resource not found.', note);
    if (url.searchParams.get('api-version') !== API_VERSION)
      return this.ingestError(
        res,
        400,
        'InvalidApiVersion',
        `The api-version '${url.searchParams.get('api-version') ?? ''}' is invalid. The supported versions are '${API_VERSION}'.`,
        note,
      );
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer (\S+)$/.exec(auth)?.[1];
    if (bearer === undefined)
      return this.ingestError(
        res,
        401,
        'InvalidToken',
        'An authentication token is required (Authorization: Bearer).',
        note,
      );
    const token = this.readToken(bearer);
    if (!token)
      return this.ingestError(res, 401, 'InvalidToken', 'The authentication token is invalid.', note);
    if (token.exp <= Math.floor(Date.now() / 1000))
      return this.ingestError(
        res,
        401,
        'InvalidToken',
        'The authentication token provided has expired.',
        note,
      );
    if (token.aud !== MONITOR_AUDIENCE)
      return this.ingestError(
        res,
        401,
        'InvalidToken',
        `The audience '${token.aud}' is invalid for this endpoint.`,
        note,
      );
    if (m[1] !== DCR_ID)
      return this.ingestError(
        res,
        404,
        'NotFound',
        `Data collection rule with immutable Id '${m[1]}' not found.`,
        note,
      );
    if (!this.publishers.has(token.identity))
      return this.ingestError(
        res,
        403,
        'OperationFailed',
        `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${DCR_ID}'.`,
        note,
      );
    if (decodeURIComponent(m[2]) !== STREAM)
      return this.ingestError(
        res,
        400,
        'InvalidStream',
        `Stream '${decodeURIComponent(m[2])}' is not defined in the data collection rule '${DCR_ID}'.`,
        note,
      );
    if (!/^application\/json(?:;\s*charset=utf-8)?$/i.test(req.headers['content-type'] ?? ''))
      return this.ingestError(
        res,
        415,
        'UnsupportedMediaType',
        'Content-Type must be application/json.',
        note,
      );
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'gzip')
      return this.ingestError(
        res,
        400,
        'InvalidContentEncoding',
        `Content-Encoding '${encoding}' is not supported; use gzip.`,
        note,
      );
    if (raw.length > this.maxCallBytes)
      return this.ingestError(
        res,
        413,
        'ContentLengthLimitExceeded',
        `Maximum allowed content length: ${this.maxCallBytes} bytes.`,
        note,
      );
    let plain: Buffer;
    try {
      plain = gzip ? gunzipSync(raw, { maxOutputLength: this.maxCallBytes + 1 }) : raw;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        return this.ingestError(
          res,
          413,
          'ContentLengthLimitExceeded',
          `Maximum allowed content length: ${this.maxCallBytes} bytes.`,
          note,
        );
      return this.ingestError(res, 400, 'InvalidContentEncoding', 'The body is not valid gzip.', note);
    }
    if (plain.length > this.maxCallBytes)
      return this.ingestError(
        res,
        413,
        'ContentLengthLimitExceeded',
        `Maximum allowed content length: ${this.maxCallBytes} bytes.`,
        note,
      );
    if (this.faults.unavailable > 0) {
      this.faults.unavailable--;
      return this.ingestError(
        res,
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable.',
        note,
      );
    }
    if (this.faults.throttled > 0) {
      this.faults.throttled--;
      return this.ingestError(
        res,
        429,
        'TooManyRequests',
        'Rate limit of 12000 requests per minute exceeded for the data collection rule.',
        note,
        {
          'Retry-After': String(this.faults.throttleSeconds),
        },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch {
      return this.ingestError(res, 400, 'InvalidJson', 'The request body is not valid JSON.', note);
    }
    // Azure answers 204 to a single object and ingests nothing (reported against the SDKs).
    const records = Array.isArray(parsed) ? parsed : [];
    for (let i = 0; i < records.length; i++) {
      const problem = this.checkRecord(records[i]);
      if (problem) return this.ingestError(res, 400, 'InvalidContent', `Record ${i}: ${problem}`, note);
    }
    const clientRequestId =
      typeof req.headers['x-ms-client-request-id'] === 'string'
        ? req.headers['x-ms-client-request-id']
        : undefined;
    for (const record of records as Record<string, unknown>[])
      this.rows.push({ row: this.project(record), clientRequestId, identity: token.identity });
    this.exchanges.push({ ...note, status: 204, rows: records.length });
    res.writeHead(204);
    res.end();
  }

  /** A value that cannot be read as its declared column type is refused. */
  private checkRecord(record: unknown): string | undefined {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return 'is not a JSON object';
    const obj = record as Record<string, unknown>;
    for (const column of this.columns) {
      const v = obj[column.name];
      if (v === undefined || v === null) continue;
      const ok = ((): boolean => {
        switch (column.type) {
          case 'string':
            return typeof v === 'string';
          case 'int':
          case 'long':
            return typeof v === 'number' && Number.isInteger(v);
          case 'real':
            return typeof v === 'number';
          case 'boolean':
            return typeof v === 'boolean';
          case 'datetime':
            return typeof v === 'string' && Number.isFinite(Date.parse(v));
          case 'dynamic':
            return true;
        }
      })();
      if (!ok) return `column '${column.name}' expects ${column.type}, got ${JSON.stringify(v).slice(0, 80)}`;
    }
    return undefined;
  }

  /** Only declared columns reach the table; long values are cut at 64 KB as Azure does. */
  private project(record: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const column of this.columns) {
      const v = record[column.name];
      if (v === undefined) continue;
      out[column.name] =
        typeof v === 'string' && Buffer.byteLength(v) > MAX_FIELD_BYTES ? v.slice(0, MAX_FIELD_BYTES) : v;
    }
    return out;
  }
}

/** The `sinks.<name>` fields that point a sentinel sink at `receiver` with the client secret. */
export function sentinelSinkSettings(receiver: SentinelReceiver, caFile: string): Record<string, unknown> {
  return {
    type: 'sentinel',
    endpoint: receiver.url,
    dcr_immutable_id: DCR_ID,
    stream: STREAM,
    tenant_id: TENANT_ID,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    authority_host: receiver.url,
    audience: MONITOR_AUDIENCE,
    tls: { ca_file: caFile },
  };
}

export async function startSentinelReceiver(options: SentinelReceiverOptions): Promise<SentinelReceiver> {
  const receiver = new SentinelReceiver(options);
  await receiver.start();
  return receiver;
}
