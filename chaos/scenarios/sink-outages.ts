import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import { runCli, startCli, writeConfig } from '../../test/support/forwarder';
import {
  forwarderConfig,
  offeredIds,
  quiesce,
  scenarioDir,
  sleep,
  tail,
  tally,
  waitForDelivery,
  type ChaosContext,
  type Scenario,
} from '../support/harness';
import { mountTmpfs, type Tmpfs } from '../support/mounts';
import { check, newRow, type Row, type SinkKind } from '../support/report';
import { fileIds, makeSinks, type SinkSet } from '../support/sinks';
import type { ChaosServers } from '../support/servers';

/**
 * Scenario 2: one sink goes away while the forwarder streams to all four. The forwarder
 * must stay up (a transient sink error is never a reason to exit), the other sinks must keep
 * receiving until the bounded buffer is full, and once the sink is back every sink has every
 * activity.
 */
interface Outage {
  readonly label: string;
  readonly victim: SinkKind;
  readonly durationMs: number;
  /** Sink config changes this outage needs (short ack timeouts, a path on a small disk). */
  readonly overrides?: (dir: string) => Partial<Record<SinkKind, Record<string, unknown>>> | string;
  begin(set: SinkSet, servers: ChaosServers): Promise<void>;
  end(set: SinkSet, servers: ChaosServers): Promise<void>;
  /** Extra checks once everything is delivered (`stderr`: what the forwarder logged). */
  verify?(row: Row, set: SinkSet, stderr: string): Promise<void>;
  cleanup?(): void;
}

function outages(full: boolean): Outage[] {
  const d = (fullMs: number, reducedMs: number): number => (full ? fullMs : reducedMs);
  let disk: Tmpfs | undefined;
  let filler: string | undefined;
  return [
    {
      label: `HEC answers 503 for ${d(60, 6)} s`,
      victim: 'hec',
      durationMs: d(60_000, 6_000),
      async begin(set) {
        Object.assign(set.hec!.faults, { busy: 1e9, retryAfterSeconds: 1 });
      },
      async end(set) {
        set.hec!.faults.busy = 0;
      },
      async verify(row, set) {
        const refused = set.hec!.exchanges.filter((e) => e.status === 503).length;
        check(row, refused > 0, 'HEC never answered 503: the outage did not happen');
        row.notes.push(`HEC answered 503 to ${refused} requests`);
      },
    },
    {
      label: `HEC acks never come for ${d(20, 6)} s`,
      victim: 'hec',
      durationMs: d(20_000, 6_000),
      overrides: () => ({ hec: { ack: { poll_interval: '100ms', timeout: '3s' } } }),
      async begin(set) {
        set.hec!.faults.acksNeverTrue = true;
      },
      async end(set) {
        set.hec!.faults.acksNeverTrue = false;
      },
      async verify(row, set) {
        row.notes.push(
          `ack.timeout 3s: batches whose ack never came were sent again (${set.hec!.counts.ack} ack polls)`,
        );
      },
    },
    {
      label: `syslog receiver restarted ×${full ? 3 : 2}`,
      victim: 'syslog',
      durationMs: d(12_000, 5_000),
      async begin(_set, servers) {
        for (let i = 0; i < (full ? 3 : 2); i++) {
          await servers.rsyslog!.restart();
          await sleep(full ? 3000 : 1500);
        }
      },
      async end() {
        /* restarted already */
      },
    },
    {
      label: `Kafka broker stopped ${d(20, 5)} s and started`,
      victim: 'kafka',
      durationMs: d(20_000, 5_000),
      async begin(_set, servers) {
        await servers.kafka!.stop();
      },
      async end(_set, servers) {
        await servers.kafka!.start();
      },
    },
    {
      label: `file sink disk full for ${d(30, 6)} s`,
      victim: 'file',
      durationMs: d(30_000, 6_000),
      overrides: (dir) => {
        const m = mountTmpfs(join(dir, 'small-disk'), '16m');
        if (typeof m === 'string') return m;
        disk = m;
        return { file: { path: join(m.dir, 'events.jsonl') } };
      },
      async begin() {
        filler = disk!.fill();
      },
      async end() {
        rmSync(filler!, { force: true });
      },
      async verify(row, set, stderr) {
        const full = stderr.split('\n').filter((l) => /ENOSPC/.test(l)).length;
        check(row, full > 0, 'the file sink never hit ENOSPC: the disk did not fill up');
        // fileIds throws on a torn line; the file sink cuts a failed write back before retrying.
        const ids = fileIds(String(set.get('file')!.config.path));
        row.notes.push(
          `${full} writes failed with ENOSPC and were retried; events file after: ${ids.length} complete lines, none torn`,
        );
      },
      cleanup() {
        disk?.unmount();
      },
    },
  ];
}

async function runOutage(ctx: ChaosContext, outage: Outage, index: number): Promise<Row> {
  const row = newRow(`2${String.fromCharCode(97 + index)}. ${outage.label}`);
  // The reduced run (npm test) leaves Kafka out: its broker outage is the Kafka sink's own test.
  const kinds: SinkKind[] = ctx.full ? ['file', 'hec', 'syslog', 'kafka'] : ['file', 'hec', 'syslog'];
  const dir = scenarioDir(`outage-${outage.victim}`);
  const overrides = outage.overrides?.(dir);
  if (typeof overrides === 'string') {
    row.notes.push(`not run: ${overrides}`);
    for (const k of kinds) row.delivered[k] = 'n/a';
    return row;
  }
  const victimAvailable =
    outage.victim === 'syslog' ? ctx.servers.rsyslog : outage.victim === 'kafka' ? ctx.servers.kafka : true;
  const sim = await startSimulator({
    seed: 200 + index,
    backlog: ctx.full ? 3000 : 800,
    backlogWindowMs: 2 * 3600_000,
    rate: 20,
  });
  const set = await makeSinks({
    servers: ctx.servers,
    dir,
    tag: `outage${index}-${Date.now()}`,
    kinds,
    overrides,
  });
  try {
    if (!victimAvailable) {
      row.notes.push(`not run: ${set.unavailable[outage.victim] ?? 'its server is unavailable'}`);
      for (const k of kinds) row.delivered[k] = set.unavailable[k] ?? '–';
      return row;
    }
    const config = writeConfig(
      dir,
      await forwarderConfig({
        sim,
        dir,
        sinks: set,
        pipeline: { max_buffered_events: 500 },
        log: { level: 'warn' },
      }),
    );
    const fwd = startCli(['run', '-c', config], { from: 'built' });
    const victim = set.get(outage.victim)!;
    const flowing = Date.now() + 90_000;
    while ((await victim.count().catch(() => 0)) < 200 && fwd.running && Date.now() < flowing)
      await sleep(200);
    const others = set.sinks.filter((s) => s.kind !== outage.victim);
    const before = await Promise.all(others.map((s) => s.count().catch(() => 0)));
    await outage.begin(set, ctx.servers);
    const until = Date.now() + outage.durationMs;
    while (Date.now() < until && fwd.running) await sleep(250);
    const during = await Promise.all(others.map((s) => s.count().catch(() => 0)));
    const alive = fwd.running;
    await outage.end(set, ctx.servers);
    check(row, alive, `the forwarder exited during the ${outage.victim} outage: ${tail(fwd.stderr())}`);
    others.forEach((s, i) =>
      check(
        row,
        during[i] > before[i],
        `${s.kind} received nothing while ${outage.victim} was down (it should keep receiving until the buffer is full)`,
      ),
    );
    row.notes.push(
      `while ${outage.victim} was down the others kept receiving: ${others.map((s, i) => `${s.kind} +${during[i] - before[i]}`).join(', ')}`,
    );

    const cutoff = await quiesce(sim);
    const expected = offeredIds(sim, cutoff);
    const missing = await waitForDelivery(set, expected, {
      timeoutMs: ctx.full ? 240_000 : 120_000,
      forwarder: fwd,
    });
    const exit = await fwd.stop();
    check(
      row,
      exit.code === 0,
      `did not stop cleanly on SIGTERM (exit ${exit.code ?? exit.signal}); still missing ${JSON.stringify(missing)}: ${tail(fwd.stderr())}`,
    );
    row.peakRssMb = fwd.peakRssMb();
    await tally(row, set, expected);
    row.duplicateBound = 'in flight';
    await outage.verify?.(row, set, fwd.stderr());
  } finally {
    await set.close();
    await sim.close();
    outage.cleanup?.();
  }
  return row;
}

/**
 * `run --once` (lock-step, for cron) with a sink that cannot be reached at start-up is refused
 * at once, naming it: exit 1, nothing delivered, and the next run after it is back loses
 * nothing. The daemon instead starts such a sink detached and catches it up: the isolation
 * scenario covers that.
 */
async function unreachableAtStart(ctx: ChaosContext, index: number): Promise<Row> {
  const row = newRow(`2${String.fromCharCode(97 + index)}. HEC unreachable at start-up, then back`);
  const dir = scenarioDir('outage-start');
  const sim = await startSimulator({ seed: 290, backlog: 300, backlogWindowMs: 3600_000, selfEvents: false });
  const set = await makeSinks({
    servers: ctx.servers,
    dir,
    tag: `outage-start-${Date.now()}`,
    kinds: ['file', 'hec'],
  });
  try {
    const config = writeConfig(
      dir,
      await forwarderConfig({ sim, dir, sinks: set, source: { start_at: '2h' } }),
    );
    await set.hec!.stop();
    const refused = await runCli(['run', '--once', '-c', config], { from: 'built', timeoutMs: 90_000 });
    const said = refused.stderr.split('\n').find((l) => /cannot reach Splunk HEC/.test(l)) ?? '';
    check(
      row,
      refused.code === 1,
      `exit ${refused.code ?? refused.signal} with HEC unreachable, expected 1: ${tail(refused.stderr, 3)}`,
    );
    check(
      row,
      said.includes('sinks.splunk'),
      `the refusal does not name the sink: ${tail(refused.stderr, 3)}`,
    );
    check(
      row,
      (await set.get('file')!.count()) === 0,
      'the other sink got activities although the forwarder refused to start',
    );
    row.notes.push(`exit ${refused.code}: "${said.replace(/^claude-audit-forwarder: /, '').slice(0, 140)}…"`);
    await set.hec!.start();
    const again = await runCli(['run', '--once', '-c', config], { from: 'built', timeoutMs: 120_000 });
    check(row, again.code === 0, `once HEC was back: exit ${again.code}: ${tail(again.stderr, 3)}`);
    row.peakRssMb = again.peakRssMb;
    await tally(row, set, offeredIds(sim, Date.now()));
    row.duplicateBound = '0';
    check(row, row.duplicates === 0, `${row.duplicates} duplicates`);
  } finally {
    await set.close();
    await sim.close();
  }
  return row;
}

export const sinkOutages: Scenario = {
  id: 'outages',
  title: 'sink outages: HEC 503 and lost acks, syslog restarts, Kafka down, disk full',
  needs: { syslog: true, kafka: true },
  async run(ctx) {
    const rows: Row[] = [];
    const list = outages(ctx.full).filter((o) => ctx.full || o.victim !== 'kafka');
    for (let i = 0; i < list.length; i++) {
      ctx.log(`  outage: ${list[i].label}`);
      rows.push(await runOutage(ctx, list[i], i));
    }
    rows.push(await unreachableAtStart(ctx, list.length));
    return rows;
  },
};
