import { ComplianceApiClient, type ClientOptions, type SourceFilters } from '../../src/source/client';
import { RateGovernor } from '../../src/source/rate-limit';
import { silentLogger } from '../../src/observability/logger';

export const NO_FILTERS: SourceFilters = {
  activityTypes: [],
  excludeActivityTypes: [],
  organizationIds: [],
  actorIds: [],
};

/** A Compliance API client for tests: no filters, 600 requests/min, silent, a 5 s deadline; any option can be overridden. */
export function testApiClient(
  opts: Pick<ClientOptions, 'baseUrl' | 'apiKey'> & Partial<ClientOptions>,
): ComplianceApiClient {
  return new ComplianceApiClient({
    version: 't',
    timeoutMs: 5000,
    filters: NO_FILTERS,
    governor: new RateGovernor(600),
    logger: silentLogger,
    ...opts,
  });
}
