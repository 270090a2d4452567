import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MOTO_INSTALL_HINT, startMoto, type Moto } from '../../support/moto';
import { skipIfMissing, startOrSkip } from '../../support/servers';
import { buildSink, encodeAll, jsonlIds, makeRecords } from './helpers';

/**
 * A batch's key comes from its activities (day partition, first and last id, a digest of
 * every id), never from the attempt: sending the same batch again, as a retry or a resend
 * after a crash does, finds its key taken (If-None-Match: * → 412) and counts as delivered.
 * In an Object Lock bucket, where a second PUT would add a locked version kept for years,
 * the key keeps exactly one version.
 */
describe('a resent batch lands on its own key and is stored once', () => {
  let moto: Moto | undefined;
  before(async () => {
    moto = await startOrSkip('moto (S3)', MOTO_INSTALL_HINT, () => startMoto());
    await moto?.createBucket('plain');
    await moto?.createBucket('locked', { objectLock: true });
  });
  after(async () => moto?.destroy());

  it('names the object by day, first and last activity id, and stores each activity once', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const { sink } = buildSink(moto!, { bucket: 'plain', prefix: 'claude/', format: 'raw' });
    await sink.start(AbortSignal.timeout(10_000));
    const batch = encodeAll(sink, makeRecords(40));
    await sink.send(batch, AbortSignal.timeout(10_000));
    await sink.send(batch, AbortSignal.timeout(10_000));
    const keys = await moto!.keys('plain');
    assert.equal(keys.length, 1, keys.join(', '));
    assert.match(
      keys[0],
      /^claude\/year=2026\/month=05\/day=01\/activity_000000_activity_000039_[0-9a-f]{16}\.jsonl\.gz$/,
    );
    const ids = (await jsonlIds(moto!, 'plain')).map((r) => r.id);
    assert.deepEqual(
      ids,
      batch.map((b) => b.record.activity.id),
    );
    assert.equal(sink.stats.requests.ok, 2);
    await sink.close();
  });

  it('splits a batch across days into one object per day', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const { sink } = buildSink(moto!, { bucket: 'plain', prefix: 'days/', format: 'raw' });
    await sink.start(AbortSignal.timeout(10_000));
    const records = makeRecords(4, 100).map((r, i) => {
      const activity = { ...r.activity, created_at: `2026-05-0${1 + (i % 2)}T23:59:0${i}Z` };
      return { ...r, activity, raw: JSON.stringify(activity) };
    });
    await sink.send(encodeAll(sink, records), AbortSignal.timeout(10_000));
    const keys = await moto!.keys('plain', 'days/');
    assert.deepEqual(
      keys.map((k) => k.split('/').slice(0, 4).join('/')),
      ['days/year=2026/month=05/day=01', 'days/year=2026/month=05/day=02'],
    );
    await sink.close();
  });

  it('keeps one locked version when an Object Lock batch is sent again', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const { sink } = buildSink(moto!, {
      bucket: 'locked',
      object_lock: { mode: 'COMPLIANCE', retain_days: 1 },
      server_side_encryption: 'AES256',
    });
    await sink.start(AbortSignal.timeout(10_000));
    const batch = encodeAll(sink, makeRecords(10, 200));
    await sink.send(batch, AbortSignal.timeout(10_000));
    await sink.send(batch, AbortSignal.timeout(10_000));
    const versions = await moto!.versions('locked');
    assert.equal(versions.size, 1);
    assert.deepEqual([...versions.values()], [1], 'one version: the resend did not add a second locked copy');
    await sink.close();
  });
});
