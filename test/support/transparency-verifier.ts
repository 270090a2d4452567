import type { SimulatorHandle } from '../../src/simulator';
import { TEST_LOG_KEY } from '../../src/simulator/log-key';
import { RateGovernor } from '../../src/source/rate-limit';
import { readAccessTransparencyFeed } from '../../src/source/access-transparency/log-feed';
import { CommittedEntries } from '../../src/transparency/committed-entries';
import { LogReader } from '../../src/transparency/log-reader';
import { INITIAL_TRANSPARENCY_LOG, type TransparencyLogState } from '../../src/transparency/state';
import { verifyLog, type RunResult, type VerifierDeps } from '../../src/transparency/verifier';
import { testApiClient } from './api-client';

/**
 * A verifier of the simulator's log as the forwarder runs one: the shared API client, the
 * test key pinned, state kept as the checkpoint file would keep it. `restart()` forgets
 * everything but the saved state, as a new process would.
 */
export class TestVerifier {
  state: TransparencyLogState = INITIAL_TRANSPARENCY_LOG;
  saves = 0;
  private committed = new CommittedEntries();
  private readonly client;

  constructor(
    private readonly sim: SimulatorHandle,
    private readonly now: () => number,
    private readonly options: Partial<VerifierDeps> = {},
    requestsPerMinute = 60_000,
  ) {
    this.client = testApiClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      governor: new RateGovernor(requestsPerMinute),
      backoff: { initialMs: 5, maxMs: 50 },
    });
  }

  run(): Promise<RunResult> {
    const deps: VerifierDeps = {
      reader: new LogReader((path) => this.client.fetchLog(path, { maxAttempts: 20 })),
      organizationUuid: this.sim.tenant.organizationUuid,
      pins: [{ fingerprint: TEST_LOG_KEY.fingerprint }],
      readFeed: (since) => readAccessTransparencyFeed(this.client, since),
      committed: this.committed,
      save: (state) => {
        this.saves++;
        this.state = state;
        return Promise.resolve();
      },
      now: () => new Date(this.now()),
      ...this.options,
    };
    return verifyLog(deps, this.state);
  }

  restart(): void {
    this.committed = new CommittedEntries();
  }

  close(): void {
    this.client.close();
  }
}
