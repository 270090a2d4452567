import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MOTO_INSTALL_HINT, startMoto, type Moto } from '../../support/moto';
import { skipIfMissing, startOrSkip } from '../../support/servers';
import { buildSink, encodeAll, jsonlIds, makeRecords } from './helpers';

/**
 * A store that checks neither Content-MD5 nor the checksum (moto, like some S3-compatible
 * stores) keeps whatever arrives. Here a front flips one byte of the first object upload:
 * the reply's ETag (the MD5 of what was stored) does not match what was sent, so the PUT is
 * not counted; the retry finds the key taken (412), sees by its ETag that it holds other
 * bytes, and replaces them. The object read back is the batch, intact.
 */
describe('bytes changed on the way are sent again and replace the bad copy', () => {
  let moto: Moto | undefined;
  let front: http.Server | undefined;
  let frontUrl = '';
  let corrupted = 0;
  before(async () => {
    moto = await startOrSkip('moto (S3)', MOTO_INSTALL_HINT, () => startMoto());
    if (!moto) return;
    await moto.createBucket('flaky');
    const target = new URL(moto.endpoint);
    front = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        const isObjectPut = req.method === 'PUT' && (req.url ?? '').split('?')[0].split('/').length > 2;
        if (isObjectPut && corrupted === 0) {
          corrupted++;
          body = Buffer.from(body);
          body[body.length - 1] ^= 0xff;
        }
        const out = http.request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        out.on('error', () => res.destroy());
        out.end(body);
      });
    });
    await new Promise<void>((r) => front!.listen(0, '127.0.0.1', r));
    frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });
  after(async () => {
    front?.closeAllConnections();
    await new Promise((r) => front?.close(r) ?? r(undefined));
    await moto?.destroy();
  });

  it('stores the batch intact after one corrupted upload', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const { sink } = buildSink(moto!, { bucket: 'flaky', endpoint: frontUrl, format: 'raw' });
    await sink.start(AbortSignal.timeout(10_000));
    const batch = encodeAll(sink, makeRecords(30));
    await sink.send(batch, AbortSignal.timeout(20_000));
    await sink.close();
    assert.equal(corrupted, 1, 'one upload was corrupted on the way');
    assert.ok(sink.stats.retries >= 1, 'the corrupted upload was not counted');
    assert.deepEqual(
      (await jsonlIds(moto!, 'flaky')).map((r) => r.id),
      batch.map((b) => b.record.activity.id),
    );
  });
});
