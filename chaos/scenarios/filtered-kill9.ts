import { join } from 'node:path';
import { ocsfSeverityId } from '../../src/normalize';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import type { Activity } from '../../src/source/activity';
import { readJsonl, startCli, writeConfig, type ForwarderProcess } from '../../test/support/forwarder';
import {
  committedIsDelivered,
  forwarderConfig,
  offeredIds,
  quiesce,
  readCheckpoint,
  scenarioDir,
  sleep,
  tail,
  type ChaosContext,
  type Scenario,
} from '../support/harness';
import { check, newRow, type Row } from '../support/report';

/** A file sink, its `filter:` block, and what that block selects (written out independently). */
interface FilteredSink {
  readonly name: string;
  readonly filter?: Record<string, unknown>;
  selects(a: Activity): boolean;
}

function filteredSinks(sim: SimulatorHandle): FilteredSink[] {
  const org = sim.tenant.organizationUuid;
  return [
    { name: 'all', selects: () => true },
    {
      name: 'siem',
      filter: {
        activity_types: ['org_*', '*api_key*', 'anthropic_access'],
        exclude_activity_types: ['*_viewed'],
        min_severity: 'low',
      },
      selects: (a) =>
        (/^org_/.test(a.type) || /api_key/.test(a.type) || a.type === 'anthropic_access') &&
        !/_viewed$/.test(a.type) &&
        ocsfSeverityId(a) >= 2 &&
        ocsfSeverityId(a) <= 6,
    },
    {
      name: 'tenant',
      filter: { organization_ids: [org], exclude_activity_types: ['compliance_api_accessed'] },
      selects: (a) =>
        (a.organization_uuid === org || a.organization_id === org) && a.type !== 'compliance_api_accessed',
    },
    { name: 'quiet', filter: { activity_types: ['no_such_type_*'] }, selects: () => false },
  ];
}

/**
 * `kill -9` at random moments with four file sinks filtering differently (types with globs
 * and a minimum severity, an organization, nothing at all, everything). A filtered-out
 * activity is acknowledged for its sink at once, so the checkpoint moves past it: after every
 * kill, everything behind the checkpoint that a sink's filter selects is in that sink; at
 * the end each sink holds exactly its filtered set — nothing missing, nothing it should not
 * have — with duplicates within what a crash can leave in flight.
 */
export const filteredKill9: Scenario = {
  id: 'filtered-kill9',
  title: 'kill -9 with filtered sinks',
  needs: {},
  async run(ctx: ChaosContext): Promise<Row[]> {
    const p = ctx.full ? { kills: 15, backlog: 8000, rate: 40 } : { kills: 3, backlog: 1500, rate: 25 };
    const maxBuffered = 500;
    const pageSize = 200;
    const row = newRow(`filtered kill -9 ×${p.kills} (4 filtered file sinks)`);
    const dir = scenarioDir('filtered-kill9');
    const sim = await startSimulator({
      seed: 211,
      backlog: p.backlog,
      backlogWindowMs: 2 * 3600_000,
      rate: p.rate,
      staffAccessRate: 0.01,
      faults: { errorRate: 0.02 },
    });
    const sinks = filteredSinks(sim);
    const path = (name: string) => join(dir, 'data', `${name}.jsonl`);
    const ids = (name: string) => readJsonl<{ id: string }>(path(name)).map((a) => a.id);
    const config = writeConfig(
      dir,
      await forwarderConfig({
        sim,
        dir,
        sinks: Object.fromEntries(
          sinks.map((s) => [
            s.name,
            { type: 'file', path: path(s.name), format: 'raw', ...(s.filter ? { filter: s.filter } : {}) },
          ]),
        ),
        source: { page_size: pageSize },
        pipeline: { max_buffered_events: maxBuffered },
        log: { level: 'warn' },
      }),
    );
    const checkpointPath = join(dir, 'data', 'checkpoint.json');
    try {
      for (let i = 0; i < p.kills; i++) {
        const fwd = startCli(['run', '-c', config], { from: 'built' });
        const before = ids('all').length;
        const deadline = Date.now() + 60_000;
        while (ids('all').length <= before && fwd.running && Date.now() < deadline) await sleep(50);
        await sleep(50 + ctx.random() * 1500);
        if (!check(row, fwd.running, `kill ${i + 1}: the forwarder had exited: ${tail(fwd.stderr())}`)) break;
        await fwd.kill9();
        const cp = readCheckpoint(checkpointPath);
        for (const sink of sinks) {
          // What the filter leaves out counts as held: the checkpoint may pass it.
          const leftOut = sim
            .allActivities({ includeSelf: true })
            .filter((a) => !sink.selects(a))
            .map((a) => a.id);
          await committedIsDelivered(
            row,
            cp?.sinks?.[sink.name] ?? cp,
            sim,
            5 * 60_000,
            [{ kind: sink.name, ids: () => Promise.resolve([...ids(sink.name), ...leftOut]) }],
            `after kill ${i + 1}`,
          );
        }
        ctx.log(`kill ${i + 1}/${p.kills}: ${ids('all').length} lines in "all"`);
      }
      const cutoff = await quiesce(sim);
      const offered = new Set(offeredIds(sim, cutoff));
      const served = sim.allActivities({ includeSelf: true }).filter((a) => offered.has(a.id));
      const expected = new Map(
        sinks.map((s) => [s.name, new Set(served.filter(s.selects).map((a) => a.id))]),
      );
      const final: ForwarderProcess = startCli(['run', '-c', config], { from: 'built' });
      const deadline = Date.now() + (ctx.full ? 300_000 : 150_000);
      const complete = () =>
        sinks.every((s) => {
          const have = new Set(ids(s.name));
          return [...expected.get(s.name)!].every((id) => have.has(id));
        });
      while (!complete() && final.running && Date.now() < deadline) await sleep(1000);
      const exit = await final.stop();
      check(
        row,
        exit.code === 0,
        `the final run did not stop cleanly (exit ${exit.code ?? exit.signal}): ${tail(final.stderr())}`,
      );
      row.offered = offered.size;
      const bound = p.kills * (maxBuffered + pageSize);
      const counts: string[] = [];
      for (const s of sinks) {
        const want = expected.get(s.name)!;
        const got = ids(s.name).filter((id) => offered.has(id));
        const have = new Set(got);
        const lost = [...want].filter((id) => !have.has(id));
        const extra = [...have].filter((id) => !want.has(id));
        const duplicates = got.length - have.size;
        row.lost += lost.length;
        row.duplicates += duplicates;
        counts.push(`${s.name} ${have.size}/${want.size}`);
        check(
          row,
          lost.length === 0,
          `${s.name}: ${lost.length} of ${want.size} selected activities never arrived (first: ${lost.slice(0, 3).join(', ')})`,
        );
        check(
          row,
          extra.length === 0,
          `${s.name}: ${extra.length} activities its filter leaves out arrived (first: ${extra.slice(0, 3).join(', ')})`,
        );
        check(
          row,
          duplicates <= bound,
          `${s.name}: ${duplicates} duplicates exceed the in-flight bound ${bound}`,
        );
      }
      check(
        row,
        (expected.get('quiet')?.size ?? 1) === 0 && (expected.get('siem')?.size ?? 0) > 0,
        'the filters select a part',
      );
      row.duplicateBound = `${bound}/sink`;
      row.notes.push(`each sink's filtered set, held/expected: ${counts.join(', ')}`);
    } finally {
      await sim.close();
    }
    return [row];
  },
};
