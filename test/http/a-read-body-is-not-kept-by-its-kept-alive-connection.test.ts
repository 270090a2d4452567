import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { HttpClient } from '../../src/http/client';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BODY = Buffer.alloc(2 * 2 ** 20, 'x');
const GZIPPED = gzipSync(BODY);

/**
 * A kept-alive socket holds its last response stream until its next request. The body
 * reader's listeners on that stream kept the body and its chunks alive with it: a page
 * (2.7 MB at page_size 5000) per socket, eight sockets for the source, and the memory bench
 * peaked 20 MB over its target. Once read, a body must belong to the caller alone.
 */
for (const encoding of ['identity', 'gzip'] as const) {
  test(`bodies read whole (${encoding}) are freed once dropped, while their sockets stay open`, async () => {
    const server = http.createServer((req, res) => {
      if (encoding === 'gzip') res.setHeader('content-encoding', 'gzip');
      res.end(encoding === 'gzip' ? GZIPPED : BODY);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new HttpClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      fieldPath: 'source',
      peer: 'the test server',
      addressField: 'source.base_url',
      credential: 'nothing',
      headers: {},
      timeoutMs: 10_000,
      bounds: { maxBytes: 16 * 2 ** 20, maxRatio: 2000 },
      agent: { maxSockets: 8 },
      env: {},
    });
    try {
      const bodies = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const reply = await client.request({ method: 'GET', path: '/page' });
          assert.equal(reply.body.length, BODY.length);
          return new WeakRef(reply.body);
        }),
      );
      const open = Object.values((client as unknown as { agent: http.Agent }).agent.freeSockets).flat()
        .length;
      assert.ok(open > 1, `the sockets are kept alive (${open})`);
      // A WeakRef's target stays alive until the current job ends.
      await new Promise((r) => setImmediate(r));
      gc();
      const kept = bodies.filter((b) => b.deref() !== undefined).length;
      assert.equal(kept, 0, `${kept} of 8 dropped bodies are still held`);
    } finally {
      client.close();
      await new Promise((r) => server.close(r));
    }
  });
}
