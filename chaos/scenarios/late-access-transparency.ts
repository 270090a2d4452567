import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { ACCESS_TRANSPARENCY_TYPES } from '../../src/source/access-transparency/activity';
import { staffAccessRow } from '../../test/support/access-transparency';
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
 * Access Transparency rows recorded over a weekend (30 to 90 h before now, Friday evening
 * to Monday morning seen from a Tuesday) that show up in the feed while the forwarder is
 * killed at random moments. The API refuses a filter on the two types here, so the late
 * lane reads its window unfiltered. Every row must reach every sink; none may come twice
 * unless it was in flight (delivered, not yet checkpointed) when a kill landed.
 */
export const lateAccessTransparency: Scenario = {
  id: 'late-access-transparency',
  title: 'Access Transparency rows arriving days late across a weekend, kill -9 ×5',
  needs: {},
  async run(ctx: ChaosContext): Promise<Row[]> {
    const p = ctx.full
      ? { kills: 5, rows: 120, spreadMs: 40_000, backlog: 20_000 }
      : { kills: 5, rows: 30, spreadMs: 12_000, backlog: 2_000 };
    const row = newRow(`late Access Transparency ×${p.rows}, kill -9 ×${p.kills}`);
    const dir = scenarioDir('late-at');
    const sim = await startSimulator({
      seed: 314,
      backlog: p.backlog,
      backlogWindowMs: 100 * HOUR,
      rate: 10,
      staffAccessRate: 0,
      acceptUnlistedTypes: false,
    });
    const sinks = await makeSinks({
      servers: ctx.servers,
      dir,
      tag: `late-at-${Date.now()}`,
      kinds: ['file', 'hec'],
    });
    const checkpointPath = join(dir, 'data', 'checkpoint.json');
    const config = writeConfig(
      dir,
      await forwarderConfig({
        sim,
        dir,
        sinks,
        source: { start_at: '100h', page_size: 1000, access_transparency: { sweep_interval: '2s' } },
        log: { level: 'warn' },
      }),
    );
    const lateRows = Array.from({ length: p.rows }, (_, i) =>
      staffAccessRow(30 + ctx.random() * 60, {
        type: ACCESS_TRANSPARENCY_TYPES[i % 2],
        leafIndex: ctx.random() < 0.5 ? i : undefined,
      }),
    );
    const lateIds = new Set(lateRows.map((a) => a.id));
    /** AT rows a sink held that the checkpoint had not recorded when a kill landed: they may come twice. */
    const inFlightAtKills = new Set<string>();
    let peak = 0;
    let fwd: ForwarderProcess | undefined;
    try {
      fwd = startCli(['run', '-c', config], { from: 'built' });
      await waitForCheckpoint(checkpointPath, (s) => (s.access_transparency?.sweeps ?? 0) >= 1, 60_000);
      // They become visible one by one over the kills, each far behind the poll window.
      for (const a of lateRows) sim.append([a], { visibleAfterMs: ctx.random() * p.spreadMs });
      const allVisibleAt = Date.now() + p.spreadMs;
      const killEvery = p.spreadMs / p.kills;
      for (let i = 0; i < p.kills; i++) {
        await sleep(killEvery * (0.5 + ctx.random()));
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
        for (const id of await heldButNotRecorded(sinks.sinks, checkpointPath, lateIds))
          inFlightAtKills.add(id);
        ctx.log(
          `kill ${i + 1}/${p.kills}: ${inFlightAtKills.size} late rows were in flight at a kill so far`,
        );
        fwd = startCli(['run', '-c', config], { from: 'built' });
      }
      // The kills may end before the last row shows up: every row must be in the feed before the count.
      await sleep(Math.max(0, allVisibleAt - Date.now()));
      const cutoff = await quiesce(sim);
      const expected = offeredIds(sim, cutoff);
      check(
        row,
        [...lateIds].every((id) => expected.includes(id)),
        'every late row is visible in the feed by the end',
      );
      await waitForDelivery(sinks, expected, { timeoutMs: ctx.full ? 300_000 : 120_000, forwarder: fwd });
      // Two more sweeps after everything arrived: re-reading the window must bring nothing again.
      const sweeps = readCheckpointState(checkpointPath)?.access_transparency?.sweeps ?? 0;
      await waitForCheckpoint(
        checkpointPath,
        (s) => (s.access_transparency?.sweeps ?? 0) >= sweeps + 2,
        30_000,
      );
      const exit = await fwd.stop();
      peak = Math.max(peak, fwd.peakRssMb());
      check(
        row,
        exit.code === 0,
        `the final run did not stop cleanly (exit ${exit.code ?? exit.signal}): ${tail(fwd.stderr())}`,
      );

      await tally(newRow('every activity'), sinks, expected).then((per) => {
        for (const [kind, v] of per)
          check(row, v.lost.length === 0, `${kind}: ${v.lost.length} activities never arrived`);
      });
      const per = await tally(row, sinks, [...lateIds]);
      for (const sink of sinks.sinks) {
        const counts = new Map<string, number>();
        for (const id of await sink.ids()) if (lateIds.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
        const twice = [...counts].filter(([id, n]) => n > 1 && !inFlightAtKills.has(id)).map(([id]) => id);
        check(
          row,
          twice.length === 0,
          `${sink.kind}: ${twice.length} late rows delivered twice without being in flight at a kill (e.g. ${twice.slice(0, 2).join(', ')})`,
        );
      }
      const state = readCheckpointState(checkpointPath);
      check(
        row,
        state?.access_transparency?.filter === 'client',
        `the lane fell back to reading unfiltered (filter: ${String(state?.access_transparency?.filter)})`,
      );
      row.duplicateBound = `${inFlightAtKills.size} in flight at a kill`;
      row.peakRssMb = peak;
      row.notes.push(
        `${p.rows} rows recorded 30-90 h back became visible over ${p.spreadMs / 1000} s of kills; the API refused the type filter, so the lane read unfiltered (${state?.access_transparency?.sweeps ?? 0} sweeps, last ${state?.access_transparency?.last_sweep?.requests ?? 0} requests); found late: ${state?.access_transparency?.found_late ?? 0}; duplicates per sink: ${[...per].map(([k, v]) => `${k} ${v.duplicates}`).join(', ')}`,
      );
    } finally {
      if (fwd?.running) await fwd.kill9();
      await sinks.close();
      await sim.close();
    }
    return [row];
  },
};

/** Late rows some sink holds that the checkpoint does not list as delivered. */
async function heldButNotRecorded(
  sinks: readonly { ids(): Promise<string[]> }[],
  checkpointPath: string,
  lateIds: ReadonlySet<string>,
): Promise<string[]> {
  const recorded = new Set(
    (readCheckpointState(checkpointPath)?.access_transparency?.delivered ?? []).map(([id]) => id),
  );
  const out = new Set<string>();
  for (const sink of sinks)
    for (const id of await sink.ids()) if (lateIds.has(id) && !recorded.has(id)) out.add(id);
  return [...out];
}
