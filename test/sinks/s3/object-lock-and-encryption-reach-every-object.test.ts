import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { MOTO_INSTALL_HINT, startMoto, type Moto } from '../../support/moto';
import { skipIfMissing, startOrSkip } from '../../support/servers';
import { buildSink, encodeAll, makeRecords } from './helpers';

/**
 * The WORM and encryption settings are on every object the sink writes: COMPLIANCE retention
 * until the PUT time + retain_days and a legal hold (moto refuses to delete the locked
 * version, as S3 does), and SSE-KMS with the configured key into a bucket whose default
 * encryption is AES256.
 */
describe('Object Lock and encryption reach every object', () => {
  let moto: Moto | undefined;
  before(async () => {
    moto = await startOrSkip('moto (S3)', MOTO_INSTALL_HINT, () => startMoto());
    await moto?.createBucket('worm', { objectLock: true });
    await moto?.createBucket('encrypted', { encryption: 'AES256' });
  });
  after(async () => moto?.destroy());

  it('locks each object in COMPLIANCE mode for retain_days, with a legal hold, and it cannot be deleted', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const { sink } = buildSink(moto!, {
      bucket: 'worm',
      object_lock: { mode: 'COMPLIANCE', retain_days: 2190, legal_hold: true },
    });
    await sink.start(AbortSignal.timeout(10_000));
    const before = Date.now();
    await sink.send(encodeAll(sink, makeRecords(5)), AbortSignal.timeout(10_000));
    const [key] = await moto!.keys('worm');
    const head = await moto!.client.send(new HeadObjectCommand({ Bucket: 'worm', Key: key }));
    assert.equal(head.ObjectLockMode, 'COMPLIANCE');
    assert.equal(head.ObjectLockLegalHoldStatus, 'ON');
    const days = (head.ObjectLockRetainUntilDate!.getTime() - before) / 86_400_000;
    assert.ok(days > 2189.9 && days < 2190.1, `retained ${days} days`);
    await assert.rejects(
      moto!.client.send(new DeleteObjectCommand({ Bucket: 'worm', Key: key, VersionId: head.VersionId })),
      /AccessDenied|locked|legal hold/i,
    );
    await sink.close();
  });

  it('asks for SSE-KMS with the configured key', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const keyId = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const { sink } = buildSink(moto!, {
      bucket: 'encrypted',
      server_side_encryption: 'aws:kms',
      kms_key_id: keyId,
    });
    await sink.start(AbortSignal.timeout(10_000));
    await sink.send(encodeAll(sink, makeRecords(5, 10)), AbortSignal.timeout(10_000));
    const [key] = await moto!.keys('encrypted');
    const head = await moto!.client.send(new HeadObjectCommand({ Bucket: 'encrypted', Key: key }));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, keyId);
    await sink.close();
  });
});
