import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isCI, skipIfMissing, startOrSkip } from '../../support/servers';
import { SQUID_INSTALL_HINT, squidAvailable, startSquid, type SquidProxy } from '../../support/squid';
import { startTlsFront, type TlsFront } from '../../support/tls-front';
import { MOTO_INSTALL_HINT, TEST_CREDENTIALS, startMoto, type Moto } from '../../support/moto';
import { buildSink, encodeAll, jsonlIds, makeRecords } from './helpers';

/**
 * The AWS SDK brings its own HTTP stack; the sink gives it this project's connection pool, so
 * the proxy policy and TLS settings are those of every HTTP client: https goes through a
 * CONNECT tunnel of a real squid (which logs host and port only, never the secret key), the
 * store's certificate is verified against tls.ca_file, and a certificate it does not trust
 * stops the start with the fix named.
 */
const available = squidAvailable();
const skip = available ? false : `squid is not installed: ${SQUID_INSTALL_HINT}`;
if (!available && isCI()) throw new Error(`squid is required under CI: ${SQUID_INSTALL_HINT}`);

describe('S3 through a proxy, TLS verified', { skip, timeout: 60_000 }, () => {
  let moto: Moto | undefined;
  let front: TlsFront | undefined;
  let squid: SquidProxy | undefined;
  before(async () => {
    moto = await startOrSkip('moto (S3)', MOTO_INSTALL_HINT, () => startMoto());
    if (!moto) return;
    await moto.createBucket('proxied');
    front = await startTlsFront(moto.endpoint);
    squid = await startSquid();
  });
  after(async () => {
    await squid?.stop();
    await front?.close();
    await moto?.destroy();
  });

  it('PUTs through a CONNECT tunnel; squid sees host and port, never the secret', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const from = squid!.requests().length;
    const { sink } = buildSink(moto!, {
      bucket: 'proxied',
      endpoint: front!.url,
      proxy: squid!.url,
      format: 'raw',
      tls: { ca_file: front!.certs.caFile },
    });
    await sink.start(AbortSignal.timeout(10_000));
    const batch = encodeAll(sink, makeRecords(10));
    await sink.send(batch, AbortSignal.timeout(10_000));
    await sink.close();
    assert.deepEqual(
      (await jsonlIds(moto!, 'proxied')).map((r) => r.id),
      batch.map((b) => b.record.activity.id),
    );
    for (let i = 0; i < 60 && squid!.requests().length === from; i++)
      await new Promise((r) => setTimeout(r, 50));
    const seen = squid!.requests().slice(from);
    const host = new URL(front!.url).host;
    assert.ok(seen.length > 0, 'squid logged the tunnel');
    for (const line of seen) {
      assert.ok(line.startsWith(`CONNECT ${host} 200 `), `only CONNECT ${host}: ${line}`);
      assert.ok(!line.includes(TEST_CREDENTIALS.secretAccessKey), 'no secret in what squid saw');
    }
  });

  it('refuses to start against a certificate it does not trust, naming tls.ca_file', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const { sink } = buildSink(moto!, {
      bucket: 'proxied',
      endpoint: front!.url,
      proxy: false,
      tls: { ca_file: front!.certs.otherCaFile },
    });
    await assert.rejects(sink.start(AbortSignal.timeout(10_000)), /TLS with the S3 endpoint .*tls\.ca_file/);
    await sink.close();
  });
});
