import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { type ForwarderProcess, startCli, writeConfig } from '../../test/support/forwarder';
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
import { makeSinks } from '../support/sinks';

/**
 * Scenario 1: `kill -9` at random moments while delivering to file + HEC (indexer acks) +
 * syslog (rsyslog) + Kafka at once. After every kill, every activity the checkpoint calls
 * committed must already be in every sink (the checkpoint never passes an undelivered
 * activity); at the end nothing is missing anywhere, and each sink's duplicates stay within
 * what a crash can leave in flight: max_buffered_events + one page, per kill.
 */
export const kill9: Scenario = {
  id: 'kill9',
  title: 'kill -9 at random moments, every sink at once',
  needs: { syslog: true, kafka: true },
  async run(ctx: ChaosContext): Promise<Row[]> {
    const p = ctx.full ? { kills: 20, backlog: 8000, rate: 40 } : { kills: 4, backlog: 1500, rate: 25 };
    const maxBuffered = 500;
    const pageSize = 200;
    const row = newRow(`1. kill -9 ×${p.kills} (file+HEC+syslog+Kafka)`);
    const dir = scenarioDir('kill9');
    const sim = await startSimulator({
      seed: 101,
      backlog: p.backlog,
      backlogWindowMs: 2 * 3600_000,
      rate: p.rate,
      faults: { errorRate: 0.02 },
    });
    const sinks = await makeSinks({
      servers: ctx.servers,
      dir,
      tag: `kill9-${Date.now()}`,
      kinds: ['file', 'hec', 'syslog', 'kafka'],
    });
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
    const file = sinks.get('file')!;
    let peak = 0;
    let checkpointChecks = 0;
    /** Sinks found detached (with a position of their own) at some kill. */
    const detachedAtKill = new Set<string>();
    try {
      for (let i = 0; i < p.kills; i++) {
        const fwd = startCli(['run', '-c', config], { from: 'built' });
        const before = await file.count();
        const deadline = Date.now() + 60_000;
        while ((await file.count()) <= before && fwd.running && Date.now() < deadline) await sleep(50);
        // Anywhere from mid-batch to after a few coalesced checkpoint saves.
        await sleep(50 + ctx.random() * 1500);
        if (
          !check(
            row,
            fwd.running,
            `kill ${i + 1}: the forwarder had exited on its own: ${tail(fwd.stderr())}`,
          )
        )
          break;
        await fwd.kill9();
        peak = Math.max(peak, fwd.peakRssMb());
        // A sink detached for falling behind (pipeline.on_sink_failure: isolate) answers to
        // its own position in the checkpoint, not the main one.
        const cp = readCheckpoint(checkpointPath);
        for (const sink of sinks.sinks) {
          const own = cp?.sinks?.[sink.name];
          if (own) detachedAtKill.add(sink.kind);
          checkpointChecks = Math.max(
            checkpointChecks,
            await committedIsDelivered(
              row,
              own ?? cp,
              sim,
              5 * 60_000,
              [sink],
              `after kill ${i + 1}${own ? ` (${sink.kind}'s own position, ${own.state})` : ''}`,
            ),
          );
        }
        ctx.log(`kill ${i + 1}/${p.kills}: ${await file.count()} lines in the file sink`);
      }
      const cutoff = await quiesce(sim);
      const expected = offeredIds(sim, cutoff);
      const final: ForwarderProcess = startCli(['run', '-c', config], { from: 'built' });
      await waitForDelivery(sinks, expected, { timeoutMs: ctx.full ? 300_000 : 150_000, forwarder: final });
      const exit = await final.stop();
      peak = Math.max(peak, final.peakRssMb());
      check(
        row,
        exit.code === 0,
        `the final run did not stop cleanly on SIGTERM (exit ${exit.code ?? exit.signal}): ${tail(final.stderr())}`,
      );
      const per = await tally(row, sinks, expected);
      const bound = p.kills * (maxBuffered + pageSize);
      const worst = Math.max(0, ...[...per.values()].map((v) => v.duplicates));
      row.duplicateBound = `${bound}/sink; worst sink ${worst}`;
      for (const [kind, v] of per)
        check(
          row,
          v.duplicates <= bound,
          `${kind}: ${v.duplicates} duplicates exceed the in-flight bound ${bound}`,
        );
      row.peakRssMb = peak;
      if (detachedAtKill.size > 0)
        row.notes.push(
          `detached at some kill (checked against their own position): ${[...detachedAtKill].join(', ')}`,
        );
      row.notes.push(
        `bound = kills × (max_buffered_events ${maxBuffered} + page_size ${pageSize}); after every kill, every activity behind the checkpoint (up to ${checkpointChecks}) was checked to be in every sink already`,
      );
    } finally {
      await sinks.close();
      await sim.close();
    }
    return [row];
  },
};
