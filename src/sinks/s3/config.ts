import { z } from 'zod';
import { baseUrl, batchSchema, duration, outputFormat, retrySchema } from '../../config/fields';
import { tlsSchema } from '../../util/tls';
import { namedProxyProblem, proxySetting } from '../../http/proxy';
import { refuseAccidentalPlaintext, type PlaintextPath } from '../../config/plaintext';

/**
 * What the user writes under `sinks.<name>` for `type: s3`: an archive of batches as objects
 * in AWS S3 or an S3-compatible store, or an Amazon Security Lake custom source.
 */

/** S3's own bucket naming rules (general purpose buckets). */
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  error: 'not an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens',
});

const endpoint = baseUrl({
  expected: 'expected the store\'s URL, e.g. "https://minio.internal:9000"',
  what: "the store's URL",
  example: 'https://minio.internal:9000',
  pathless: 'write the store URL without a path: the bucket goes in bucket, the path in prefix',
});

/** A Security Lake custom source name: ≤ 20 characters, it becomes part of an IAM role name. */
const sourceName = z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, {
  error: 'a Security Lake source name is 1-20 letters, digits, "_" or "-"',
});

export const securityLakeSchema = z.strictObject({
  /** The AWS account in the partition path (accountId=…). */
  account_id: z.string().regex(/^\d{12}$/, { error: 'an AWS account id is 12 digits, in quotes' }),
  /** class_uid → custom source name; classes not listed get the defaults (see keys.ts). */
  source_names: z
    .record(
      z.string().regex(/^\d{4}$/, { error: 'keys are OCSF class_uid values such as "6003"' }),
      sourceName,
    )
    .default({}),
});

export const objectLockSchema = z.strictObject({
  /** COMPLIANCE: nobody can delete or shorten; GOVERNANCE: people with s3:BypassGovernanceRetention can. */
  mode: z.enum(['COMPLIANCE', 'GOVERNANCE'], { error: 'expected COMPLIANCE or GOVERNANCE' }),
  retain_days: z.number().int().min(1).max(36_500),
  legal_hold: z.boolean().default(false),
});

export const s3SinkConfig = z
  .strictObject({
    type: z.literal('s3'),
    bucket: bucketName,
    /** Prepended to every key (archive layout); "claude/" → claude/year=…/… */
    prefix: z
      .string()
      .regex(/^(?:[^/].*\/)?$/, {
        error: 'a prefix ends with "/" and does not start with one, e.g. "claude/"',
      })
      .default(''),
    region: z.string().regex(/^[a-z0-9-]+$/, { error: 'an AWS region such as "us-east-1"' }),
    /** S3-compatible stores (MinIO, Ceph, GCS); absent: AWS S3 of `region`. */
    endpoint: endpoint.optional(),
    /** Path-style URLs (https://host/bucket/key), which MinIO and most self-hosted stores need. */
    force_path_style: z.boolean().default(false),
    encoding: z.enum(['jsonl.gz', 'parquet'], { error: 'expected jsonl.gz or parquet' }).default('jsonl.gz'),
    format: outputFormat.default('ocsf'),
    layout: z
      .enum(['archive', 'security_lake'], { error: 'expected archive or security_lake' })
      .default('archive'),
    security_lake: securityLakeSchema.optional(),
    object_lock: objectLockSchema.optional(),
    server_side_encryption: z.enum(['AES256', 'aws:kms', 'aws:kms:dsse']).optional(),
    kms_key_id: z.string().min(1).optional(),
    storage_class: z
      .string()
      .regex(/^[A-Z_]+$/, { error: 'an S3 storage class such as STANDARD or GLACIER_IR' })
      .optional(),
    /**
     * sha256: x-amz-checksum-sha256 and Content-MD5 on every PUT (AWS); md5: Content-MD5 only,
     * for stores that refuse flexible checksums (Backblaze B2, Cloudflare R2).
     */
    checksum: z.enum(['sha256', 'md5']).default('sha256'),
    /** Explicit credentials (S3-compatible stores); absent: the AWS default provider chain. */
    access_key_id: z.string().min(1).optional(),
    secret_access_key: z.string().min(1).optional(),
    session_token: z.string().min(1).optional(),
    batch: batchSchema({ max_events: 100_000, max_bytes: '64MiB', timeout: '5m' }),
    /** One PUT; a PUT that takes longer is retried (same key, same bytes). */
    request_timeout: duration('2m'),
    retry: retrySchema,
    tls: tlsSchema.optional(),
    proxy: proxySetting,
    /** An http:// endpoint other than loopback is refused unless this is set. */
    allow_plaintext: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string): void =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.layout === 'security_lake') {
      if (!c.security_lake)
        issue(
          'security_lake',
          'layout security_lake needs security_lake.account_id (the account in the partition path)',
        );
      if (c.encoding !== 'parquet')
        issue('encoding', 'Security Lake reads Parquet only: set encoding: parquet');
      if (c.object_lock)
        issue(
          'object_lock',
          'Security Lake buckets do not support Object Lock: keep a WORM archive in a separate bucket (a second s3 sink)',
        );
    } else if (c.security_lake) {
      issue('security_lake', 'only used with layout: security_lake; remove it or set the layout');
    }
    if (c.encoding === 'parquet' && c.format !== 'ocsf')
      issue('format', 'parquet is written from OCSF events only: set format: ocsf (or encoding: jsonl.gz)');
    if (c.kms_key_id && c.server_side_encryption !== 'aws:kms' && c.server_side_encryption !== 'aws:kms:dsse')
      issue('kms_key_id', 'a KMS key needs server_side_encryption: aws:kms (or aws:kms:dsse)');
    if ((c.access_key_id === undefined) !== (c.secret_access_key === undefined))
      issue(
        c.access_key_id === undefined ? 'access_key_id' : 'secret_access_key',
        'access_key_id and secret_access_key (or secret_access_key_file) go together; set both, or neither to use the AWS default credential chain',
      );
    if (c.session_token && !c.access_key_id)
      issue('session_token', 'a session token goes with access_key_id and secret_access_key');
    if (c.endpoint) {
      refuseAccidentalPlaintext(s3PlaintextPath(c), c.allow_plaintext, ctx);
      const proxyProblem = namedProxyProblem(c.endpoint, c.proxy, 'the request signatures and events');
      if (proxyProblem) issue('proxy', proxyProblem);
    }
  });

export type S3SinkConfig = z.output<typeof s3SinkConfig>;
export type ObjectLockConfig = z.output<typeof objectLockSchema>;

/** An http:// endpoint carries every event in clear (the signature holds no secret). */
export function s3PlaintextPath(cfg: Pick<S3SinkConfig, 'endpoint'>): PlaintextPath | undefined {
  if (!cfg.endpoint) return undefined;
  const url = new URL(cfg.endpoint);
  if (url.protocol !== 'http:') return undefined;
  return { field: 'endpoint', hosts: [url.hostname], fix: 'use an https:// endpoint' };
}
