import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { makeCertificates } from '../../test/support/certs';
import { startCli, writeConfig } from '../../test/support/forwarder';
import { sentinelSinkSettings, startSentinelReceiver } from '../../test/support/sentinel-receiver';
import {
  committedIsDelivered,
  forwarderConfig,
  offeredIds,
  quiesce,
  readCheckpoint,
  scenarioDir,
  sleep,
  tail,
  tally,
  waitForDelivery,
  type ChaosContext,
  type Scenario,
} from '../support/harness';
import { check, newRow, type Row } from '../support/report';
import { makeSinks, type SinkSet, type SinkUnderTest } from '../support/sinks';

/**
 * Microsoft Sentinel (#23): `kill -9` mid-batch again and again, then an outage of Azure
 * (503s, a throttling storm with Retry-After, and every issued token revoked) with a kill in
 * the middle of it, against the strict Entra ID + Logs Ingestion receiver. After every kill
 * the checkpoint is behind what Azure holds; at the end every activity is in the table, with
 * duplicates within the in-flight bound (kills × (max_buffered_events + page_size)).
 */
export const sentinelScenario: Scenario = {
  id: 'sentinel',
  title: 'Sentinel: kill -9 mid-batch and an Azure outage',
  needs: {},
  async run(ctx: ChaosContext): Promise<Row[]> {
    const p = ctx.full
      ? { kills: 12, backlog: 6000, rate: 40, outageMs: 20_000 }
      : { kills: 3, backlog: 1200, rate: 25, outageMs: 4000 };
    const maxBuffered = 500;
    const pageSize = 200;
    const row = newRow(`Sentinel: kill -9 ×${p.kills + 1}, outage ${p.outageMs / 1000}s (file+Sentinel)`);
    const dir = scenarioDir('sentinel');
    const certs = makeCertificates({ dir: join(dir, 'certs') });
    const receiver = await startSentinelReceiver({ certs });
    const sim = await startSimulator({
      seed: 2323,
      backlog: p.backlog,
      backlogWindowMs: 2 * 3600_000,
      rate: p.rate,
      faults: { errorRate: 0.02 },
    });
    const fileSet = await makeSinks({
      servers: ctx.servers,
      dir,
      tag: `sentinel-${Date.now()}`,
      kinds: ['file'],
    });
    const sentinel: SinkUnderTest = {
      kind: 'sentinel',
      name: 'sentinel',
      config: {
        ...sentinelSinkSettings(receiver, certs.caFile),
        batch: { max_events: 100, timeout: '50ms', concurrency: 4 },
        retry: { initial_backoff: '100ms', max_backoff: '2s' },
      },
      ids: () => Promise.resolve(receiver.activityIds()),
      count: () => Promise.resolve(receiver.rows.length),
    };
    const sinks: SinkSet = {
      ...fileSet,
      sinks: [...fileSet.sinks, sentinel],
      config: { ...fileSet.config, sentinel: sentinel.config },
      get: (kind) => (kind === 'sentinel' ? sentinel : fileSet.get(kind)),
    };
    const checkpointPath = join(dir, 'data', 'checkpoint.json');
    const config = writeConfig(
      dir,
      await forwarderConfig({
        sim,
        dir,
        sinks,
        source: { page_size: pageSize },
        pipeline: { max_buffered_events: maxBuffered },
        log: { level: 'warn' },
      }),
    );
    let peak = 0;
    let kills = 0;
    const afterKill = async (label: string): Promise<void> => {
      const cp = readCheckpoint(checkpointPath);
      for (const sink of sinks.sinks) {
        const own = cp?.sinks?.[sink.name];
        await committedIsDelivered(row, own ?? cp, sim, 5 * 60_000, [sink], label);
      }
    };
    try {
      for (let i = 0; i < p.kills; i++) {
        const fwd = startCli(['run', '-c', config], { from: 'built' });
        const before = receiver.rows.length;
        const deadline = Date.now() + 60_000;
        while (receiver.rows.length <= before && fwd.running && Date.now() < deadline) await sleep(20);
        // Mid-batch: uploads are in flight while rows keep arriving.
        await sleep(ctx.random() * 600);
        if (!check(row, fwd.running, `kill ${i + 1}: the forwarder had exited: ${tail(fwd.stderr())}`)) break;
        await fwd.kill9();
        kills++;
        peak = Math.max(peak, fwd.peakRssMb());
        await afterKill(`after kill ${i + 1}`);
        ctx.log(`kill ${i + 1}/${p.kills}: ${receiver.rows.length} rows in Sentinel`);
      }

      // The outage: Azure unavailable, then throttling, every token revoked, a kill in the middle.
      const fwd = startCli(['run', '-c', config], { from: 'built' });
      // Revoked while the forwarder holds a token it believes valid: 401, one refresh each.
      const flowing = receiver.rows.length;
      const until = Date.now() + 30_000;
      while (receiver.rows.length <= flowing && fwd.running && Date.now() < until) await sleep(20);
      receiver.faults.unavailable = Number.MAX_SAFE_INTEGER;
      receiver.revokeTokens();
      await sleep(p.outageMs / 2);
      if (check(row, fwd.running, `during the outage the forwarder exited: ${tail(fwd.stderr())}`)) {
        await fwd.kill9();
        kills++;
        peak = Math.max(peak, fwd.peakRssMb());
        await afterKill('after the kill during the outage');
      }
      const during = startCli(['run', '-c', config], { from: 'built' });
      await sleep(p.outageMs / 2);
      receiver.faults.unavailable = 0;
      receiver.faults.throttled = 20;
      receiver.faults.throttleSeconds = 1;
      check(row, during.running, `the forwarder exited during the outage: ${tail(during.stderr())}`);
      await during.stop();
      peak = Math.max(peak, during.peakRssMb());

      const cutoff = await quiesce(sim);
      const expected = offeredIds(sim, cutoff);
      const final = startCli(['run', '-c', config], { from: 'built' });
      await waitForDelivery(sinks, expected, { timeoutMs: ctx.full ? 300_000 : 150_000, forwarder: final });
      const exit = await final.stop();
      peak = Math.max(peak, final.peakRssMb());
      check(
        row,
        exit.code === 0,
        `the final run did not stop cleanly (exit ${exit.code ?? exit.signal}): ${tail(final.stderr())}`,
      );
      const per = await tally(row, sinks, expected);
      const bound = kills * (maxBuffered + pageSize);
      const worst = per.get('sentinel')?.duplicates ?? 0;
      row.duplicateBound = `${bound}/sink; Sentinel ${worst}`;
      for (const [kind, v] of per)
        check(
          row,
          v.duplicates <= bound,
          `${kind}: ${v.duplicates} duplicates exceed the in-flight bound ${bound}`,
        );
      const refused = receiver.exchanges.filter((e) => e.status === 401).length;
      const throttled = receiver.exchanges.filter((e) => e.status === 429).length;
      row.notes.push(
        `Sentinel answered ${throttled} × 429 and ${refused} × 401 (revoked tokens, each refreshed); bound = kills × (max_buffered_events ${maxBuffered} + page_size ${pageSize})`,
      );
      row.peakRssMb = peak;
    } finally {
      await sinks.close();
      await receiver.stop();
      await sim.close();
    }
    return [row];
  },
};
