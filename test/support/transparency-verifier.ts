import type { SimulatorHandle } from '../../src/simulator';
import { TEST_LOG_KEY } from '../../src/simulator/log-key';
import { RateGovernor } from '../../src/source/rate-limit';
import {
  LogVerifier,
  type AccessTransparencyConfig,
} from '../../src/source/access-transparency/log-verifier';
import { silentLogger } from '../../src/observability/logger';
import { INITIAL_TRANSPARENCY_LOG, type TransparencyLogState } from '../../src/transparency/state';
import type { RunResult } from '../../src/transparency/verifier';
import { NO_FILTERS, testApiClient } from './api-client';
import type { SourceFilters } from '../../src/source/client';

const HOUR = 3_600_000;

/** `source.access_transparency` verifying the simulator's log with its test key pinned. */
export function testVerifierConfig(sim: SimulatorHandle): AccessTransparencyConfig {
  return {
    sweep_interval: 15 * 60_000,
    sweep_window: 168 * HOUR,
    verify_log: true,
    organization_uuid: sim.tenant.organizationUuid,
    verify_interval: HOUR,
    unserved_grace: 24 * HOUR,
    trusted_keys: [TEST_LOG_KEY.fingerprint],
    finding_events: false,
  };
}

/**
 * The forwarder's verifier component on the simulator's log: the shared API client, the
 * test key pinned, state kept as the checkpoint file keeps it. A new TestVerifier given the
 * old one's state is a restarted process.
 */
export class TestVerifier {
  state: TransparencyLogState = INITIAL_TRANSPARENCY_LOG;
  private readonly client;
  private readonly verifier: LogVerifier;

  constructor(
    sim: SimulatorHandle,
    now: () => number,
    config: Partial<AccessTransparencyConfig> = {},
    /** The source's own filters (source.actor_ids and the like). */
    filters: SourceFilters = NO_FILTERS,
  ) {
    this.client = testApiClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      governor: new RateGovernor(60_000),
      backoff: { initialMs: 5, maxMs: 50 },
      filters,
    });
    this.verifier = new LogVerifier({
      client: this.client,
      config: { ...testVerifierConfig(sim), ...config },
      state: () => this.state,
      save: (state) => {
        this.state = state;
        return Promise.resolve();
      },
      logger: silentLogger,
      now,
    });
  }

  run(): Promise<RunResult> {
    return this.verifier.runOnce();
  }

  close(): void {
    this.client.close();
  }
}
