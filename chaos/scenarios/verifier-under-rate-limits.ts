import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { TEST_LOG_KEY } from '../../src/simulator/log-key';
import { type ForwarderProcess, startCli, writeConfig } from '../../test/support/forwarder';
import {
  forwarderConfig,
  offeredIds,
  readCheckpointState,
  waitForCheckpoint,
  quiesce,
  scenarioDir,
  sleep,
  tail,
  tally,
  waitForDelivery,
  type ChaosContext,
  type Scenario,
} from '../support/harness';
import { check, newRow, type Row } from '../support/report';
import { makeSinks } from '../support/sinks';

const HOUR = 3_600_000;

/**
 * Issue #25: the transparency log verifier runs beside delivery through the shared rate
 * budget. Under a storm of 429s (with Retry-After) and 503s on every endpoint, feed and log
 * alike, a verification run may not complete, but it never reports a finding, and delivery
 * loses nothing; once the storm passes, a run is clean and proves every served event.
 */
export const verifierUnderRateLimits: Scenario = {
  id: 'verifier-under-rate-limits',
  title: 'transparency log verifier under a 429 storm and 503s',
  needs: {},
  async run(ctx: ChaosContext): Promise<Row[]> {
    // The first run proves every served staff-access event with one inclusion request each, at
    // the lowest urgency: 1,000 of them (20,000 at 5 %) took more than a minute at full size.
    // Real tenants have far fewer; the full run keeps ~200.
    const p = ctx.full
      ? { backlog: 20_000, stormMs: 60_000, staffAccessRate: 0.01, firstRunMs: 180_000 }
      : { backlog: 2_000, stormMs: 12_000, staffAccessRate: 0.05, firstRunMs: 60_000 };
    const row = newRow(`verifier under 429s and 503s for ${p.stormMs / 1000} s`);
    const dir = scenarioDir('verifier');
    const sim = await startSimulator({
      seed: 2525,
      backlog: p.backlog,
      backlogWindowMs: 2 * HOUR,
      rate: 10,
      staffAccessRate: p.staffAccessRate,
      accessTransparency: { visibilityDelay: { lateRate: 0 } },
    });
    const sinks = await makeSinks({
      servers: ctx.servers,
      dir,
      tag: `verifier-${Date.now()}`,
      kinds: ['file'],
    });
    const checkpointPath = join(dir, 'data', 'checkpoint.json');
    const config = writeConfig(
      dir,
      await forwarderConfig({
        sim,
        dir,
        sinks,
        source: {
          page_size: 1000,
          retry: { initial_backoff: '100ms', max_backoff: '2s' },
          access_transparency: {
            sweep_interval: '2s',
            verify_interval: '1s',
            organization_uuid: sim.tenant.organizationUuid,
            trusted_keys: [TEST_LOG_KEY.fingerprint],
          },
        },
        log: { level: 'warn' },
      }),
    );
    let fwd: ForwarderProcess | undefined;
    try {
      fwd = startCli(['run', '-c', config], { from: 'built' });
      await waitForCheckpoint(checkpointPath, (s) => s.transparency_log?.last_run != null, p.firstRunMs);
      // Retry-After 0 in the reduced run: the storm then meets many more requests in its seconds.
      sim.setFaults({ rateLimitedRate: 0.35, retryAfterSeconds: ctx.full ? 1 : 0, errorRate: 0.15 });
      const stormEnds = Date.now() + p.stormMs;
      let runsInStorm = 0;
      let lastRun = readCheckpointState(checkpointPath)?.transparency_log?.last_run?.finished_at;
      while (Date.now() < stormEnds) {
        await sleep(250);
        const run = readCheckpointState(checkpointPath)?.transparency_log?.last_run;
        if (run && run.finished_at !== lastRun) {
          runsInStorm++;
          lastRun = run.finished_at;
        }
      }
      const stormRequests = sim.requests().filter((r) => r.status === 429 || r.status === 503).length;
      sim.clearFaults();
      const cutoff = await quiesce(sim);
      const expected = offeredIds(sim, cutoff);
      await waitForDelivery(sinks, expected, { timeoutMs: ctx.full ? 300_000 : 120_000, forwarder: fwd });
      const indexed = sim
        .allActivities()
        .filter((a) => typeof a.transparency_log_leaf_index === 'number').length;
      await waitForCheckpoint(
        checkpointPath,
        (s) =>
          s.transparency_log?.last_run?.outcome === 'clean' && s.transparency_log.verified_events >= indexed,
        60_000,
      ).catch(() => undefined);
      const exit = await fwd.stop();
      check(
        row,
        exit.code === 0,
        `the forwarder did not stop cleanly (exit ${exit.code ?? exit.signal}): ${tail(fwd.stderr())}`,
      );
      await tally(row, sinks, expected);
      const state = readCheckpointState(checkpointPath)?.transparency_log;
      check(
        row,
        Object.keys(state?.findings ?? {}).length === 0,
        `findings under the storm: ${JSON.stringify(state?.findings)}`,
      );
      check(
        row,
        !/transparency log verification failed/.test(fwd.stderr()),
        'an error line reported a finding',
      );
      check(row, stormRequests >= 10, `the storm happened (${stormRequests} requests answered 429 or 503)`);
      check(
        row,
        (state?.verified_events ?? 0) >= indexed,
        `after the storm every served event is proven (${state?.verified_events ?? 0} of ${indexed})`,
      );
      row.notes.push(
        `${stormRequests} requests answered 429/503; ${runsInStorm} verification runs ended during the storm; afterwards ${state?.verified_events ?? 0} events proven at size ${state?.size ?? 0}, last run ${state?.last_run?.outcome ?? 'none'}`,
      );
    } finally {
      if (fwd?.running) await fwd.kill9();
      await sinks.close();
      await sim.close();
    }
    return [row];
  },
};
