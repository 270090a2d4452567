import type { Scenario } from '../support/harness';
import { kill9 } from './kill9';
import { sinkOutages } from './sink-outages';
import { apiFaultScenario } from './api-faults';
import { backpressure } from './backpressure';
import { checkpointFaults } from './checkpoint-faults';
import { hostileInput } from './hostile-input';
import { security } from './security';
import { hostileApi } from './hostile-api';

/** Every scenario, in the order of issue #7. */
export const SCENARIOS: readonly Scenario[] = [kill9, sinkOutages, apiFaultScenario, backpressure, checkpointFaults, hostileInput, security, hostileApi];
