import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { makeCertificates, type Certificates } from '../../support/certs';
import {
  API_VERSION,
  CERT_CLIENT_ID,
  CLIENT_ID,
  CLIENT_SECRET,
  DCR_ID,
  IDENTITY_HEADER,
  STREAM,
  TENANT_ID,
  WORKLOAD_CLIENT_ID,
  startSentinelReceiver,
  type SentinelReceiver,
} from '../../support/sentinel-receiver';

/**
 * The strict receiver is the yardstick for every Sentinel test, so it is tested first: a
 * lenient stand-in would let a sink bug through.
 */

interface Answer {
  status: number;
  json: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

let certs: Certificates;

function call(
  receiver: SentinelReceiver,
  method: 'GET' | 'POST',
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      receiver.url + path,
      { method, headers, ca: readFileSync(certs.caFile) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
            headers: res.headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const tokenPath = `/${TENANT_ID}/oauth2/v2.0/token`;
const form = (fields: Record<string, string>): [string, Record<string, string>] => [
  new URLSearchParams(fields).toString(),
  { 'Content-Type': 'application/x-www-form-urlencoded' },
];

async function secretToken(receiver: SentinelReceiver): Promise<string> {
  const answer = await call(
    receiver,
    'POST',
    tokenPath,
    ...form({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'https://monitor.azure.com//.default',
    }),
  );
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return String(answer.json.access_token);
}

const ingestPath = `/dataCollectionRules/${DCR_ID}/streams/${STREAM}?api-version=${API_VERSION}`;
const row = (id: string): Record<string, unknown> => ({
  TimeGenerated: '2026-05-01T12:00:00Z',
  ActivityId: id,
  ActivityType: 'user_signed_in',
  Activity: { id },
});

function ingest(
  receiver: SentinelReceiver,
  token: string | undefined,
  body: Buffer | string,
  opts: { path?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return call(receiver, 'POST', opts.path ?? ingestPath, body, {
    'Content-Type': 'application/json',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...opts.headers,
  });
}

function clientAssertion(claims: Record<string, unknown>, key: string, certPem: string): string {
  const der = new X509Certificate(certPem).raw;
  const header = {
    alg: 'RS256',
    typ: 'JWT',
    x5t: createHash('sha1').update(der).digest('base64url'),
  };
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signed = `${enc(header)}.${enc(claims)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}

describe('the strict Sentinel receiver', () => {
  let receiver: SentinelReceiver;

  before(async () => {
    certs = makeCertificates({ dir: mkdtempSync(join(tmpdir(), 'sentinel-rx-')), clientCert: true });
    receiver = await startSentinelReceiver({
      certs,
      clientCertificatePem: readFileSync(certs.clientCertFile ?? '', 'utf8'),
    });
  });
  after(() => receiver.stop());

  it('serves the OpenID metadata MSAL reads, naming its own token endpoint', async () => {
    const meta = await call(receiver, 'GET', `/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
    assert.equal(meta.status, 200);
    assert.equal(meta.json.token_endpoint, `${receiver.url}${tokenPath}`);
    assert.equal(meta.json.issuer, `${receiver.url}/${TENANT_ID}/v2.0`);
  });

  it('issues a token for a client secret, and refuses a wrong secret, scope or client', async () => {
    await secretToken(receiver);
    const base = {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'https://monitor.azure.com/.default',
    };
    const wrongSecret = await call(receiver, 'POST', tokenPath, ...form({ ...base, client_secret: 'nope' }));
    assert.deepEqual([wrongSecret.status, wrongSecret.json.error], [401, 'invalid_client']);
    assert.match(String(wrongSecret.json.error_description), /AADSTS7000215/);
    const wrongScope = await call(
      receiver,
      'POST',
      tokenPath,
      ...form({ ...base, scope: 'https://monitor.azure.com' }),
    );
    assert.deepEqual([wrongScope.status, wrongScope.json.error], [400, 'invalid_scope']);
    const unknown = await call(receiver, 'POST', tokenPath, ...form({ ...base, client_id: randomUUID() }));
    assert.deepEqual([unknown.status, unknown.json.error], [400, 'unauthorized_client']);
    const json = await call(receiver, 'POST', tokenPath, JSON.stringify(base), {
      'Content-Type': 'application/json',
    });
    assert.equal(json.status, 400);
  });

  it('verifies a certificate client assertion: signature, thumbprint, audience and expiry', async () => {
    const key = readFileSync(certs.clientKeyFile ?? '', 'utf8');
    const pem = readFileSync(certs.clientCertFile ?? '', 'utf8');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: `${receiver.url}${tokenPath}`,
      iss: CERT_CLIENT_ID,
      sub: CERT_CLIENT_ID,
      jti: randomUUID(),
      nbf: now,
      exp: now + 600,
    };
    const ask = (assertion: string): Promise<Answer> =>
      call(
        receiver,
        'POST',
        tokenPath,
        ...form({
          grant_type: 'client_credentials',
          client_id: CERT_CLIENT_ID,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope: 'https://monitor.azure.com//.default',
        }),
      );
    assert.equal((await ask(clientAssertion(claims, key, pem))).status, 200);
    assert.equal(
      (await ask(clientAssertion({ ...claims, aud: 'https://elsewhere/' }, key, pem))).status,
      401,
    );
    assert.equal((await ask(clientAssertion({ ...claims, exp: now - 10 }, key, pem))).status, 401);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const forged = await ask(clientAssertion(claims, String(otherKey), pem));
    assert.equal(forged.status, 401);
    assert.match(String(forged.json.error_description), /signature/);
  });

  it('exchanges only a federated token of the trusted issuer and subject (workload identity)', async () => {
    const ask = (assertion: string): Promise<Answer> =>
      call(
        receiver,
        'POST',
        tokenPath,
        ...form({
          grant_type: 'client_credentials',
          client_id: WORKLOAD_CLIENT_ID,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope: 'https://monitor.azure.com/.default',
        }),
      );
    assert.equal((await ask(receiver.mintFederatedToken())).status, 200);
    assert.equal((await ask(receiver.mintFederatedToken({ sub: 'system:serviceaccount:x:y' }))).status, 401);
    const [h, c] = receiver.mintFederatedToken().split('.');
    assert.equal((await ask(`${h}.${c}.${Buffer.from('forged').toString('base64url')}`)).status, 401);
  });

  it('answers managed-identity requests only with the header each endpoint requires', async () => {
    const imds = '/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://monitor.azure.com';
    assert.equal((await call(receiver, 'GET', imds)).status, 400);
    const ok = await call(receiver, 'GET', imds, undefined, { Metadata: 'true' });
    assert.equal(ok.status, 200);
    assert.equal(typeof ok.json.expires_on, 'string');
    const app = '/msi/token?api-version=2019-08-01&resource=https://monitor.azure.com';
    assert.equal((await call(receiver, 'GET', app)).status, 400);
    assert.equal(
      (await call(receiver, 'GET', app, undefined, { 'X-IDENTITY-HEADER': IDENTITY_HEADER })).status,
      200,
    );
  });

  it('ingests a JSON array with a valid token, gzip or not, and only declared columns land', async () => {
    const token = await secretToken(receiver);
    const before = receiver.rows.length;
    const plain = await ingest(receiver, token, JSON.stringify([{ ...row('a1'), Undeclared: 'x' }]));
    assert.equal(plain.status, 204);
    const zipped = await ingest(receiver, token, gzipSync(JSON.stringify([row('a2')])), {
      headers: { 'Content-Encoding': 'gzip' },
    });
    assert.equal(zipped.status, 204);
    assert.deepEqual(
      receiver.rows.slice(before).map((r) => r.row.ActivityId),
      ['a1', 'a2'],
    );
    assert.equal(receiver.rows[before].row.Undeclared, undefined);
  });

  it('answers a single object 204 and ingests nothing, as Azure does', async () => {
    const token = await secretToken(receiver);
    const before = receiver.rows.length;
    assert.equal((await ingest(receiver, token, JSON.stringify(row('lonely')))).status, 204);
    assert.equal(receiver.rows.length, before);
  });

  it('refuses a missing, forged, expired or wrong-audience token with 401', async () => {
    const body = JSON.stringify([row('x')]);
    assert.equal((await ingest(receiver, undefined, body)).status, 401);
    const token = await secretToken(receiver);
    assert.equal((await ingest(receiver, `${token}x`, body)).status, 401);
    const gov = await call(
      receiver,
      'POST',
      tokenPath,
      ...form({
        grant_type: 'client_credentials',
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        scope: 'https://monitor.azure.us//.default',
      }),
    );
    assert.equal((await ingest(receiver, String(gov.json.access_token), body)).status, 401);
    receiver.setTokenLifetime(1);
    const short = await secretToken(receiver);
    receiver.setTokenLifetime(3600);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await ingest(receiver, short, body);
    assert.equal(expired.status, 401);
    assert.match(JSON.stringify(expired.json), /expired/);
  });

  it('refuses an identity without the role (403), an unknown DCR (404), stream (400) or api-version (400)', async () => {
    const token = await secretToken(receiver);
    const body = JSON.stringify([row('x')]);
    receiver.publishers.delete(CLIENT_ID);
    const forbidden = await ingest(receiver, token, body);
    receiver.publishers.add(CLIENT_ID);
    assert.deepEqual([forbidden.status, forbidden.headers['x-ms-error-code']], [403, 'OperationFailed']);
    const dcr = `/dataCollectionRules/dcr-ffffffffffffffffffffffffffffffff/streams/${STREAM}?api-version=${API_VERSION}`;
    assert.equal((await ingest(receiver, token, body, { path: dcr })).status, 404);
    const stream = `/dataCollectionRules/${DCR_ID}/streams/Custom-Other?api-version=${API_VERSION}`;
    assert.equal((await ingest(receiver, token, body, { path: stream })).status, 400);
    const version = `/dataCollectionRules/${DCR_ID}/streams/${STREAM}?api-version=2021-11-01-preview`;
    assert.equal((await ingest(receiver, token, body, { path: version })).status, 400);
  });

  it('refuses a wrong Content-Type or Content-Encoding, and bad JSON', async () => {
    const token = await secretToken(receiver);
    const body = JSON.stringify([row('x')]);
    assert.equal(
      (await ingest(receiver, token, body, { headers: { 'Content-Type': 'text/plain' } })).status,
      415,
    );
    assert.equal(
      (await ingest(receiver, token, body, { headers: { 'Content-Encoding': 'deflate' } })).status,
      400,
    );
    assert.equal((await ingest(receiver, token, '[{"TimeGenerated":')).status, 400);
  });

  it('answers 413 above 1 MB, compressed or uncompressed', async () => {
    const token = await secretToken(receiver);
    const big = JSON.stringify([{ ...row('big'), Activity: { pad: 'x'.repeat(1_000_000) } }]);
    assert.equal((await ingest(receiver, token, big)).status, 413);
    const zipped = await ingest(receiver, token, gzipSync(big), { headers: { 'Content-Encoding': 'gzip' } });
    assert.equal(zipped.status, 413);
  });

  it('refuses a record whose value does not fit its declared column type, naming it', async () => {
    const token = await secretToken(receiver);
    const bad = await ingest(
      receiver,
      token,
      JSON.stringify([row('ok'), { ...row('bad'), TimeGenerated: 'yesterday' }]),
    );
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /Record 1: column 'TimeGenerated' expects datetime/);
  });

  it('throttles with 429 and Retry-After, and fails with 503, when told to', async () => {
    const token = await secretToken(receiver);
    const body = JSON.stringify([row('x')]);
    receiver.faults.throttled = 1;
    receiver.faults.throttleSeconds = 7;
    const throttled = await ingest(receiver, token, body);
    assert.deepEqual([throttled.status, throttled.headers['retry-after']], [429, '7']);
    receiver.faults.unavailable = 1;
    assert.equal((await ingest(receiver, token, body)).status, 503);
    assert.equal((await ingest(receiver, token, body)).status, 204);
  });
});
