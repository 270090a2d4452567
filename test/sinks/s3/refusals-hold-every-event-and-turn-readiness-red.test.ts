import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { CreateBucketCommand, DeleteBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { MOTO_INSTALL_HINT, VENV_PYTHON, startMoto, type Moto } from '../../support/moto';
import { skipIfMissing, startOrSkip } from '../../support/servers';
import { waitFor } from '../../support/forwarder';
import { buildSink, encodeAll, makeRecords } from './helpers';

/**
 * What people must fix is never retried away nor dropped: wrong credentials, a missing
 * s3:PutObject permission and a missing bucket turn readiness red at once with a detail
 * naming the bucket and the action, hold the batch (no acknowledgement, no dead letter) and
 * deliver it once fixed. moto enforces IAM here: after the set-up, only the keys of the
 * users it made are accepted, each limited by its policy.
 */
const BUCKET = 'guarded';

/** Creates the bucket, a user who may only list it, and an admin; prints their keys. */
const SETUP = `
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x')
s3 = boto3.client('s3', **kw)
iam = boto3.client('iam', **kw)
s3.create_bucket(Bucket='${BUCKET}')
out = {}
for user, actions in (('reader', ['s3:ListBucket', 's3:GetObject']), ('admin', ['s3:*'])):
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName='p', PolicyDocument=json.dumps({'Version': '2012-10-17',
        'Statement': [{'Effect': 'Allow', 'Action': actions, 'Resource': '*'}]}))
    key = iam.create_access_key(UserName=user)['AccessKey']
    out[user] = {'access_key_id': key['AccessKeyId'], 'secret_access_key': key['SecretAccessKey']}
print(json.dumps(out))
`;
/** The actions SETUP makes before IAM is enforced. */
const SETUP_ACTIONS = 7;

type Keys = { access_key_id: string; secret_access_key: string };

describe('refusals hold every event and turn readiness red', () => {
  let moto: Moto | undefined;
  let users: { reader: Keys; admin: Keys } | undefined;
  before(async () => {
    moto = await startOrSkip('moto (S3)', MOTO_INSTALL_HINT, () =>
      startMoto({ authAfterActions: SETUP_ACTIONS }),
    );
    if (moto)
      users = JSON.parse(execFileSync(VENV_PYTHON, ['-c', SETUP, moto.endpoint]).toString()) as typeof users;
  });
  after(async () => moto?.destroy());

  async function refusedThenAborted(config: Record<string, unknown>, detail: RegExp): Promise<void> {
    const { sink } = buildSink(moto!, { bucket: BUCKET, format: 'raw', ...config });
    await sink.start(AbortSignal.timeout(10_000));
    const stop = new AbortController();
    const sending = sink.send(encodeAll(sink, makeRecords(5)), stop.signal);
    const settled = sending.then(
      () => 'resolved',
      (err: Error) => err.name,
    );
    try {
      await waitFor(() => !sink.health().healthy, 10_000, 'readiness to turn red');
      const health = sink.health();
      assert.equal(health.refused, true, 'refused: red at once, not after unhealthy_after');
      assert.match(health.detail ?? '', detail);
      assert.ok(!(health.detail ?? '').includes(String(config.secret_access_key)), 'no secret in the detail');
      assert.ok(sink.stats.retries >= 1, 'still retrying');
    } finally {
      stop.abort();
    }
    assert.equal(
      await settled,
      'AbortedError',
      'never acknowledged, never dead-lettered: only shutdown ends it',
    );
    await sink.close();
  }

  it('wrong credentials: red, the detail says the store refuses them', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    await refusedThenAborted(
      { access_key_id: 'AKIAWRONGWRONGWRONG1', secret_access_key: 'not-the-secret-0123456789abcdefghijklmn' },
      /InvalidAccessKeyId.*refuses these credentials/,
    );
  });

  it('no s3:PutObject permission: red, the detail names the bucket and the action', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    await refusedThenAborted(users!.reader, /AccessDenied.*grant s3:PutObject on arn:aws:s3:::guarded\//);
  });

  it('a missing bucket: red and retried; delivered once the bucket exists', async (t) => {
    if (skipIfMissing(t, moto, 'moto')) return;
    const admin = new S3Client({
      region: 'us-east-1',
      endpoint: moto!.endpoint,
      forcePathStyle: true,
      credentials: {
        accessKeyId: users!.admin.access_key_id,
        secretAccessKey: users!.admin.secret_access_key,
      },
    });
    await admin.send(new CreateBucketCommand({ Bucket: 'comes-and-goes' }));
    const { sink } = buildSink(moto!, { bucket: 'comes-and-goes', format: 'raw', ...users!.admin });
    await sink.start(AbortSignal.timeout(10_000));
    await admin.send(new DeleteBucketCommand({ Bucket: 'comes-and-goes' }));
    const batch = encodeAll(sink, makeRecords(5, 50));
    const sending = sink.send(batch, AbortSignal.timeout(30_000));
    await waitFor(() => !sink.health().healthy, 10_000, 'readiness to turn red');
    assert.match(sink.health().detail ?? '', /NoSuchBucket.*comes-and-goes does not exist/);
    await admin.send(new CreateBucketCommand({ Bucket: 'comes-and-goes' }));
    assert.deepEqual(await sending, { rejected: [] });
    assert.deepEqual(sink.health(), { healthy: true });
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: 'comes-and-goes' }));
    assert.equal(listed.KeyCount, 1, 'the held batch is stored');
    admin.destroy();
    await sink.close();
  });
});
