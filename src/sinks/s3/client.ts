import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ConnectionOptions } from 'node:tls';
import { buildAgent } from '../../http/agent';
import { chooseRoute, showProxy } from '../../http/proxy';
import type { Logger } from '../../observability/logger';
import { ConfigError } from '../../util/errors';
import type { S3SinkConfig } from './config';

/**
 * The S3 client: the AWS SDK over this project's connection pool (http/agent.ts), so the
 * proxy policy and the TLS settings are those of every other HTTP client. The SDK does not
 * retry (our retry block does, with the sink's retry settings) and adds no checksum of its
 * own: the sink sends Content-MD5 (and x-amz-checksum-sha256) itself, which S3-compatible
 * stores accept where the SDK's default CRC32 is refused.
 */
export function buildS3Client(
  cfg: S3SinkConfig,
  opts: { fieldPath: string; tls?: ConnectionOptions; logger: Logger },
): S3Client {
  const base = new URL(cfg.endpoint ?? `https://s3.${cfg.region}.amazonaws.com`);
  const route = chooseRoute(base, cfg.proxy, {
    fieldPath: opts.fieldPath,
    credential: 'the request signatures and events',
  });
  if (route.kind === 'forward')
    throw new ConfigError(
      `a plain-http S3 endpoint cannot be reached through the proxy ${showProxy(route.proxy)}; use an https:// endpoint, or proxy: false`,
      `${opts.fieldPath}.proxy`,
    );
  if (route.kind === 'direct' && route.note)
    opts.logger.warn(`proxy not used: ${route.note}`, { field: `${opts.fieldPath}.proxy` });
  if (route.kind === 'tunnel')
    opts.logger.info(`S3 is reached through the proxy ${showProxy(route.proxy)} (${route.origin})`);
  const agent = buildAgent(base, route, {
    tls: base.protocol === 'https:' ? opts.tls : undefined,
    timeoutMs: cfg.request_timeout,
    scheduling: 'lifo',
  });
  const secure = base.protocol === 'https:';
  return new S3Client({
    region: cfg.region,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    forcePathStyle: cfg.force_path_style,
    ...(cfg.access_key_id && cfg.secret_access_key
      ? {
          credentials: {
            accessKeyId: cfg.access_key_id,
            secretAccessKey: cfg.secret_access_key,
            ...(cfg.session_token ? { sessionToken: cfg.session_token } : {}),
          },
        }
      : {}),
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      ...(secure ? { httpsAgent: agent } : { httpAgent: agent }),
      connectionTimeout: Math.min(cfg.request_timeout, 30_000),
      requestTimeout: cfg.request_timeout,
    }),
  });
}
