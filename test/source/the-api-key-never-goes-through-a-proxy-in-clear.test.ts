import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startSimulator } from '../../src/simulator';
import { ComplianceApiClient } from '../../src/source/client';
import { RateGovernor } from '../../src/source/rate-limit';
import { silentLogger } from '../../src/observability/logger';

/**
 * Issue #15: with HTTP_PROXY set, the x-api-key for an http://127.0.0.1 base URL went to the
 * proxy in clear. Plain http is never proxied (https goes through a CONNECT tunnel, the proxy
 * seeing only the host). The "proxy" here is a listener that records every byte sent to it:
 * the test fails if anything reaches it.
 */
test('with HTTP_PROXY set, a plain-http base URL is read directly and the proxy receives nothing', { timeout: 15_000 }, async () => {
  const received: Buffer[] = [];
  const proxy = net.createServer((socket) => {
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const sim = await startSimulator({ seed: 20, backlog: 5, selfEvents: false });
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, http_proxy: process.env.http_proxy, NO_PROXY: process.env.NO_PROXY, no_proxy: process.env.no_proxy };
  process.env.HTTP_PROXY = process.env.http_proxy = proxyUrl;
  delete process.env.NO_PROXY;
  delete process.env.no_proxy;
  try {
    const client = new ComplianceApiClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      version: 't',
      timeoutMs: 5000,
      filters: { activityTypes: [], excludeActivityTypes: [], organizationIds: [], actorIds: [] },
      governor: new RateGovernor(600),
      logger: silentLogger,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    const page = await client.fetchPage({ limit: 5, order: 'asc' });
    assert.equal(page.activities.length, 5, 'read from the simulator itself');
    assert.equal(Buffer.concat(received).length, 0, `the proxy received: ${Buffer.concat(received).toString('latin1').slice(0, 200)}`);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await sim.close();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  }
});
