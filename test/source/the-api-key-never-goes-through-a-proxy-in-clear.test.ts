import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { ComplianceApiClient } from '../../src/source/client';
import { isCI } from '../support/servers';
import { startTlsFront, type TlsFront } from '../support/tls-front';
import { SQUID_INSTALL_HINT, squidAvailable, startSquid, type SquidProxy } from '../support/squid';
import { withProxyEnv } from '../support/proxy-env';
import { testApiClient } from '../support/api-client';

/**
 * Issue #15: with HTTP_PROXY set, the x-api-key for an http://127.0.0.1 base URL went to the
 * proxy in clear. The policy: plain http is never proxied; https follows HTTPS_PROXY through a
 * CONNECT tunnel, so the proxy sees a host and port, never the key. Checked against a real
 * squid, whose access log says what it handled.
 */
const available = squidAvailable();
const skip = available ? false : `squid is not installed: ${SQUID_INSTALL_HINT}`;
if (!available && isCI()) throw new Error(`squid is required under CI: ${SQUID_INSTALL_HINT}`);

let sim: SimulatorHandle;
let squid: SquidProxy;
let tlsFront: TlsFront;
let tlsUrl: string;
let trust: ConnectionOptions;

before(async () => {
  if (!available) return;
  sim = await startSimulator({ seed: 20, backlog: 5, selfEvents: false });
  squid = await startSquid();
  // The simulator behind TLS, as the real API is.
  tlsFront = await startTlsFront(sim.url);
  tlsUrl = tlsFront.url;
  trust = { ca: readFileSync(tlsFront.certs.caFile) };
});

after(async () => {
  if (!available) return;
  await tlsFront.close();
  await squid.stop();
  await sim.close();
});

function client(baseUrl: string): ComplianceApiClient {
  return testApiClient({
    baseUrl,
    apiKey: sim.apiKey,
    backoff: { initialMs: 20, maxMs: 100 },
    tls: baseUrl.startsWith('https:') ? trust : undefined,
  });
}

test(
  'with HTTP_PROXY set, a plain-http base URL is read directly: the proxy handles nothing',
  { skip, timeout: 15_000 },
  async () => {
    const before = squid.requests().length;
    const page = await withProxyEnv({ HTTP_PROXY: squid.url, http_proxy: squid.url }, () =>
      client(sim.url).fetchPage({ limit: 5, order: 'asc' }),
    );
    assert.equal(page.activities.length, 5, 'read from the simulator itself');
    await new Promise((r) => setTimeout(r, 300)); // anything squid handled is logged by now
    assert.deepEqual(squid.requests().slice(before), [], 'squid handled no request');
  },
);

test(
  'with HTTPS_PROXY set, an https base URL goes through a CONNECT tunnel: the proxy sees host and port only',
  { skip, timeout: 15_000 },
  async () => {
    const before = squid.requests().length;
    const api = await withProxyEnv({ HTTPS_PROXY: squid.url, https_proxy: squid.url }, async () =>
      client(tlsUrl),
    );
    const page = await api.fetchPage({ limit: 5, order: 'asc' });
    assert.equal(page.activities.length, 5);
    // squid logs a tunnel when it closes, and the client keeps it open until closed.
    api.close();
    for (let i = 0; i < 60 && squid.requests().length === before; i++)
      await new Promise((r) => setTimeout(r, 50));
    const seen = squid.requests().slice(before);
    const host = new URL(tlsUrl).host;
    assert.ok(seen.length > 0, 'the request went through squid');
    for (const line of seen) {
      assert.match(
        line,
        new RegExp(`^CONNECT ${host.replace(/[.]/g, '\\.')} `),
        `only CONNECT ${host}: ${line}`,
      );
      assert.ok(!line.includes(sim.apiKey), 'no key in what squid saw');
    }
  },
);

test('NO_PROXY is honoured for an https base URL', { skip, timeout: 15_000 }, async () => {
  const before = squid.requests().length;
  const page = await withProxyEnv(
    { HTTPS_PROXY: squid.url, https_proxy: squid.url, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' },
    () => client(tlsUrl).fetchPage({ limit: 5, order: 'asc' }),
  );
  assert.equal(page.activities.length, 5);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(squid.requests().slice(before), []);
});
