import type { Scenario } from '../support/harness';
import { kill9 } from './kill9';
import { sinkOutages } from './sink-outages';
import { apiFaultScenario } from './api-faults';
import { backpressure } from './backpressure';
import { checkpointFaults } from './checkpoint-faults';
import { hostileInput } from './hostile-input';
import { security } from './security';
import { lateAccessTransparency } from './late-access-transparency';
import { unsafeConfigs } from './unsafe-configs';
import { hostileApi } from './hostile-api';
import { sinkIsolation } from './sink-isolation';
import { filteredKill9 } from './filtered-kill9';
import { sentinelScenario } from './sentinel';
import { verifierUnderRateLimits } from './verifier-under-rate-limits';
import { elasticsearchChaos } from './elasticsearch';

/** Every scenario, in the order of the issues that asked for them (#7, #14, #15, #17, #20, #21, #23, #25). */
import { s3Faults } from './s3-faults';

/** Every scenario, in the order of the issues that asked for them (#7, #14, #15, #17, #22). */
export const SCENARIOS: readonly Scenario[] = [
  kill9,
  sinkOutages,
  apiFaultScenario,
  backpressure,
  checkpointFaults,
  hostileInput,
  security,
  lateAccessTransparency,
  hostileApi,
  unsafeConfigs,
  sinkIsolation,
  filteredKill9,
  sentinelScenario,
  verifierUnderRateLimits,
  elasticsearchChaos,
  s3Faults,
];
