import { createHash } from 'node:crypto';
import {
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AbortedError, AuthError, RetryableError, errorMessage } from '../../util/errors';
import { TlsCertificateError, classifyTlsError, describeTlsProblem } from '../../util/tls-errors';
import type { S3SinkConfig } from './config';

/**
 * One object to S3, and what the reply means. Delivered only on a 2xx (S3 stores an object
 * whole or not at all), or on 412: `If-None-Match: *` found the key taken, and a key names
 * exactly one set of activities (keys.ts), so they are stored already (unless its ETag shows
 * other bytes: then ours overwrite them). Everything else is
 * retried: 5xx, throttling and network faults as transient; credentials, permissions, a
 * missing bucket and other refusals as `AuthError` (people must fix them; retried slowly,
 * readiness red at once). Nothing is ever dropped for a refusal of the store.
 */

export type PutOutcome = 'stored' | 'already-stored';

const REFUSED_CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
]);

interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

function sdkError(err: unknown): SdkError {
  return typeof err === 'object' && err !== null ? err : {};
}

export function md5Base64(body: Buffer): string {
  return createHash('md5').update(body).digest('base64');
}

export function sha256Base64(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64');
}

export class S3Put {
  constructor(
    private readonly client: S3Client,
    private readonly cfg: S3SinkConfig,
    private readonly now: () => number = Date.now,
  ) {}

  async put(key: string, body: Buffer, contentType: string, signal: AbortSignal): Promise<PutOutcome> {
    const outcome = await this.putOnce(key, body, contentType, signal, true);
    if (outcome === 'stored' || (await this.holdsOurBytes(key, body, signal))) return outcome;
    // The key holds other bytes: an upload the store took corrupted (one that verifies
    // neither Content-MD5 nor the checksum). Ours replace them.
    return this.putOnce(key, body, contentType, signal, false);
  }

  private async putOnce(
    key: string,
    body: Buffer,
    contentType: string,
    signal: AbortSignal,
    ifNoneMatch: boolean,
  ): Promise<PutOutcome> {
    const input: PutObjectCommandInput = {
      Bucket: this.cfg.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentType: contentType,
      ContentMD5: md5Base64(body),
      ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
      ...(this.cfg.checksum === 'sha256' ? { ChecksumSHA256: sha256Base64(body) } : {}),
      ...(this.cfg.server_side_encryption ? { ServerSideEncryption: this.cfg.server_side_encryption } : {}),
      ...(this.cfg.kms_key_id ? { SSEKMSKeyId: this.cfg.kms_key_id } : {}),
      ...(this.cfg.storage_class
        ? { StorageClass: this.cfg.storage_class as PutObjectCommandInput['StorageClass'] }
        : {}),
      ...(this.cfg.object_lock
        ? {
            ObjectLockMode: this.cfg.object_lock.mode,
            ObjectLockRetainUntilDate: new Date(this.now() + this.cfg.object_lock.retain_days * 86_400_000),
            ...(this.cfg.object_lock.legal_hold ? { ObjectLockLegalHoldStatus: 'ON' as const } : {}),
          }
        : {}),
    };
    try {
      const reply = await this.client.send(new PutObjectCommand(input), { abortSignal: signal });
      this.checkEtag(reply.ETag, body, key);
      return 'stored';
    } catch (err) {
      if (signal.aborted) throw new AbortedError();
      if (err instanceof RetryableError) throw err;
      const e = sdkError(err);
      if (e.$metadata?.httpStatusCode === 412 || e.name === 'PreconditionFailed') return 'already-stored';
      throw this.classify(err, `PutObject s3://${this.cfg.bucket}/${key}`, 's3:PutObject');
    }
  }

  /**
   * Whether the object already at `key` is ours, by its ETag (the MD5 of a plain upload).
   * Where that cannot be told (SSE-KMS, no s3:GetObject for HEAD, a store's own ETag form),
   * it is taken as ours: the key names exactly these activities.
   */
  private async holdsOurBytes(key: string, body: Buffer, signal: AbortSignal): Promise<boolean> {
    if (this.cfg.server_side_encryption?.startsWith('aws:kms')) return true;
    let etag: string | undefined;
    try {
      etag = (
        await this.client.send(new HeadObjectCommand({ Bucket: this.cfg.bucket, Key: key }), {
          abortSignal: signal,
        })
      ).ETag;
    } catch {
      if (signal.aborted) throw new AbortedError();
      return true;
    }
    const hex = etag?.replace(/"/g, '') ?? '';
    return !/^[0-9a-f]{32}$/.test(hex) || hex === createHash('md5').update(body).digest('hex');
  }

  /**
   * A plain (non-KMS) single-part upload's ETag is the MD5 of what the store holds: a
   * mismatch means the bytes were changed on the way, so the PUT is not counted.
   */
  private checkEtag(etag: string | undefined, body: Buffer, key: string): void {
    if (!etag || this.cfg.server_side_encryption?.startsWith('aws:kms')) return;
    const hex = etag.replace(/"/g, '');
    if (!/^[0-9a-f]{32}$/.test(hex)) return;
    const ours = createHash('md5').update(body).digest('hex');
    if (hex !== ours)
      throw new RetryableError(
        `s3://${this.cfg.bucket}/${key}: the store holds other bytes than were sent (ETag ${hex}, sent MD5 ${ours}); sending again`,
      );
  }

  /** Start-up check: the bucket exists and these credentials are accepted. */
  async checkBucket(signal: AbortSignal): Promise<string | undefined> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.cfg.bucket }), { abortSignal: signal });
      return undefined;
    } catch (err) {
      if (signal.aborted) throw new AbortedError();
      const e = sdkError(err);
      const status = e.$metadata?.httpStatusCode;
      // HEAD replies carry no error code: a 403 is missing s3:ListBucket as often as bad
      // credentials (a write-only role, such as Security Lake's provider role, lacks it).
      if (status === 403)
        return `cannot check bucket ${this.cfg.bucket}: HeadBucket is refused (403; it needs s3:ListBucket, which a write-only role lacks); the first PutObject will tell whether writing is allowed`;
      throw this.classify(err, `HeadBucket ${this.cfg.bucket}`, 's3:ListBucket');
    }
  }

  private classify(err: unknown, what: string, action: string): Error {
    const tls = classifyTlsError(err);
    if (tls)
      return new TlsCertificateError(
        `${what}: ${describeTlsProblem(tls, `the S3 endpoint ${this.cfg.endpoint ?? this.cfg.region}`, 'tls')}`,
        tls,
      );
    const e = sdkError(err);
    const status = e.$metadata?.httpStatusCode;
    const code = e.Code ?? e.name ?? 'Error';
    const detail = `${what}: ${code}${status ? ` (HTTP ${status})` : ''}`;
    if (code === 'NoSuchBucket' || status === 404)
      return new AuthError(
        `${detail}: bucket ${this.cfg.bucket} does not exist in ${this.cfg.region}; create it or fix bucket/region (every event is held until it exists)`,
      );
    if (REFUSED_CREDENTIALS.has(code))
      return new AuthError(
        `${detail}: the store refuses these credentials; fix access_key_id/secret_access_key or the AWS credential chain (environment, profile, web identity, instance role)`,
      );
    if (code === 'AccessDenied' || status === 403)
      return new AuthError(
        `${detail}: access denied; grant ${action} on arn:aws:s3:::${this.cfg.bucket}/${this.cfg.prefix}* to this identity (and kms:GenerateDataKey on the key with SSE-KMS)`,
      );
    if (status !== undefined && status >= 400 && status < 500 && ![400, 408, 409, 429].includes(status))
      return new AuthError(`${detail}: ${errorMessage(err)}`);
    if (status === 400 && !['BadDigest', 'InvalidDigest', 'RequestTimeout'].includes(code))
      return new AuthError(
        `${detail}: the store refuses the request (${errorMessage(err)}); check the sink's settings against the bucket (Object Lock, encryption, storage class)`,
      );
    return new RetryableError(`${detail}: ${errorMessage(err)}`, undefined, { cause: err });
  }
}
