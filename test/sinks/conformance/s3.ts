import { gunzipSync } from 'node:zlib';
import { MOTO_INSTALL_HINT, TEST_CREDENTIALS, startMoto } from '../../support/moto';
import { startOrSkip } from '../../support/servers';
import { FAST_RETRY, type Harness } from './harness';

const BUCKET = 'conformance';

/**
 * A real S3 API server (moto). Broken by stopping it (connections refused); recovered by
 * starting it again and creating the bucket anew (moto keeps nothing across a restart).
 */
export const s3Harness: Harness = {
  type: 's3',
  async setUp() {
    const moto = await startOrSkip('moto (S3)', MOTO_INSTALL_HINT, () => startMoto());
    if (!moto) return undefined;
    await moto.createBucket(BUCKET);
    const base = {
      type: 's3',
      region: 'us-east-1',
      endpoint: moto.endpoint,
      force_path_style: true,
      access_key_id: TEST_CREDENTIALS.accessKeyId,
      secret_access_key: TEST_CREDENTIALS.secretAccessKey,
    };
    return {
      config: {
        ...base,
        bucket: BUCKET,
        prefix: 'claude/',
        format: 'raw',
        request_timeout: '5s',
        retry: FAST_RETRY,
        batch: { max_events: 20, timeout: '20ms' },
      },
      async received() {
        const ids: string[] = [];
        for (const key of await moto.keys(BUCKET)) {
          const text = gunzipSync(await moto.get(BUCKET, key)).toString('utf8');
          for (const line of text.split('\n')) if (line) ids.push((JSON.parse(line) as { id: string }).id);
        }
        return ids;
      },
      async breakTransiently() {
        await moto.stop();
      },
      async recover() {
        await moto.start();
        await moto.createBucket(BUCKET);
      },
      refusal: {
        never: 'S3 stores any bytes: no single record is refused (a refused PUT is retried, never dropped)',
      },
      brokenConfig: { ...base, bucket: 'no-such-bucket', request_timeout: '5s' },
      async dispose() {
        await moto.destroy();
      },
    };
  },
};
