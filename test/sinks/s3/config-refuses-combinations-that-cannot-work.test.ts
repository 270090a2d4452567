import { test } from 'node:test';
import assert from 'node:assert/strict';
import { s3SinkConfig } from '../../../src/sinks/s3/config';

/**
 * Settings that could never deliver are refused before anything starts, naming the field and
 * the fix: Security Lake reads OCSF Parquet only and its buckets take no Object Lock; Parquet
 * is written from OCSF only; a KMS key needs SSE-KMS; explicit keys come in pairs; a remote
 * plain-http endpoint needs allow_plaintext.
 */
const BASE = { type: 's3', bucket: 'claude-audit', region: 'us-east-1' };
const LAKE = { account_id: '123456789012' };

function issues(config: Record<string, unknown>): string[] {
  const r = s3SinkConfig.safeParse({ ...BASE, ...config });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('the s3 config refuses combinations that cannot work, naming the field', () => {
  assert.deepEqual(issues({}), []);
  assert.deepEqual(issues({ layout: 'security_lake', encoding: 'parquet', security_lake: LAKE }), []);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ layout: 'security_lake', encoding: 'parquet' }, /^security_lake: .*account_id/],
    [{ layout: 'security_lake', security_lake: LAKE }, /^encoding: .*Parquet only/],
    [
      {
        layout: 'security_lake',
        encoding: 'parquet',
        security_lake: LAKE,
        object_lock: { mode: 'COMPLIANCE', retain_days: 1 },
      },
      /^object_lock: .*do not support Object Lock/,
    ],
    [{ security_lake: LAKE }, /^security_lake: only used with layout: security_lake/],
    [{ encoding: 'parquet', format: 'ecs' }, /^format: .*OCSF events only/],
    [{ kms_key_id: 'arn:aws:kms:us-east-1:1:key/x' }, /^kms_key_id: .*server_side_encryption: aws:kms/],
    [{ access_key_id: 'AKIAEXAMPLE' }, /^secret_access_key: .*go together/],
    [{ endpoint: 'http://minio.example.com:9000' }, /^endpoint: .*without TLS.*allow_plaintext/],
    [{ endpoint: 'https://minio.example.com:9000/bucket' }, /^endpoint: .*without a path/],
    [{ prefix: '/claude' }, /^prefix: /],
    [{ bucket: 'Not_A_Bucket' }, /^bucket: not an S3 bucket name/],
    [
      { layout: 'security_lake', encoding: 'parquet', security_lake: { account_id: '12345' } },
      /^security_lake\.account_id: /,
    ],
  ];
  for (const [config, expected] of cases) {
    const found = issues(config);
    assert.ok(
      found.some((m) => expected.test(m)),
      `${JSON.stringify(config)} → ${JSON.stringify(found)} should match ${expected}`,
    );
  }
  assert.deepEqual(issues({ endpoint: 'http://minio.example.com:9000', allow_plaintext: true }), []);
});
