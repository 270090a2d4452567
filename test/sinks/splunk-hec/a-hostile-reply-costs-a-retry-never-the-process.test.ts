import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { HecClient } from '../../../src/sinks/splunk-hec/client';
import { RetryableError } from '../../../src/util/errors';

/**
 * Issue #15 for the HEC side: a reply is bounded in size (after decompression too) and the
 * request has one deadline, body included. A server that answers with an endless body, a
 * gzip bomb or a trickle costs a retryable error, never the process or a hung sink.
 */
type Reply = (res: http.ServerResponse) => void;

async function withServer(reply: Reply, run: (client: HecClient) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    reply(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new HecClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: 'a-token-for-tests',
    requestTimeoutMs: 1000,
    userAgent: 't',
    fieldPath: 'sinks.splunk',
  });
  try {
    await run(client);
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function refused(reply: Reply, expected: RegExp): Promise<void> {
  await withServer(reply, async (client) => {
    const heapBefore = process.memoryUsage().heapUsed;
    await assert.rejects(client.health('channel', new AbortController().signal), (err: Error) => {
      assert.ok(err instanceof RetryableError, `${err.name}: ${err.message}`);
      assert.match(err.message, expected);
      return true;
    });
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 32 * 1024 * 1024);
  });
}

test('an endless reply is cut off at the size cap', { timeout: 20_000 }, async () => {
  await refused((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  }, /oversized response: more than 1048576 bytes/);
});

test('a gzip bomb is cut off after decompression', { timeout: 20_000 }, async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
  await refused((res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(bomb);
  }, /oversized response: .*(once decompressed|decompression bomb)/);
});

test('a trickling reply is given up at request_timeout, body included', { timeout: 20_000 }, async () => {
  await refused((res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 300);
    res.on('close', () => clearInterval(drip));
  }, /no complete answer within 1s/);
});

test('an ordinary gzip reply is still read', async () => {
  await withServer(
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('{"text":"HEC is healthy","code":17}'));
    },
    async (client) => {
      const r = await client.health('channel', new AbortController().signal);
      assert.equal(r.status, 200);
      assert.equal(r.reply.code, 17);
    },
  );
});
