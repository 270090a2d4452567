import { ComplianceApiClient, type ClientOptions } from './client';
import type { RateGovernor } from './rate-limit';
import type { SourceConfig } from '../config/schema';
import type { Logger } from '../observability/logger';
import { buildTlsOptions } from '../util/tls';
import { VERSION } from '../version';
import { backoffPolicy } from '../config/fields';

/** The Compliance API client a `source:` section describes (the forwarder's, and `run --dry-run`'s). */
export function createApiClient(
  src: SourceConfig,
  deps: {
    readonly logger: Logger;
    readonly governor: RateGovernor;
    readonly baseDir: string;
    readonly onResponse?: ClientOptions['onResponse'];
    readonly onRetry?: ClientOptions['onRetry'];
    readonly onWaitCapped?: ClientOptions['onWaitCapped'];
    readonly onPageRead?: ClientOptions['onPageRead'];
  },
): ComplianceApiClient {
  const { logger, baseDir } = deps;
  return new ComplianceApiClient({
    baseUrl: src.base_url,
    apiKey: src.api_key as string,
    version: VERSION,
    timeoutMs: src.request_timeout,
    maxWaitMs: src.max_wait,
    backoff: backoffPolicy(src.retry),
    filters: {
      activityTypes: src.activity_types,
      excludeActivityTypes: src.exclude_activity_types,
      organizationIds: src.organization_ids,
      actorIds: src.actor_ids,
    },
    governor: deps.governor,
    logger: logger.child({ component: 'source' }),
    tls: src.base_url.startsWith('https:')
      ? buildTlsOptions(src.tls, { fieldPath: 'source.tls', component: 'source', logger, baseDir })
      : undefined,
    proxy: src.proxy,
    onResponse: deps.onResponse,
    onRetry: deps.onRetry,
    onWaitCapped: deps.onWaitCapped,
    onPageRead: deps.onPageRead,
  });
}
