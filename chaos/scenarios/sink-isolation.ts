import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { startCli, writeConfig, type ForwarderProcess } from '../../test/support/forwarder';
import {
  committedIsDelivered,
  forwarderConfig,
  freePort,
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
import { HealthProbe, recordTurn } from '../support/health-watch';
import { TcpRelay } from '../support/relay';
import { check, newRow, type Row, type SinkKind } from '../support/report';
import { makeSinks, type SinkSet, type SinkUnderTest } from '../support/sinks';
import type { HecReceiver } from '../../test/support/hec-receiver';

/**
 * Scenario 11 (#17): a dead destination never stops the others, and health tells the truth.
 * Each case takes one sink away (down at start-up, down while running, accepting without
 * acknowledging, killed mid-catch-up, down together with the API): the other sinks must keep
 * receiving live activity, /readyz and sink_healthy must turn within health.unhealthy_after
 * + 5 s (the measured seconds are in the row's notes), and once the sink is back its
 * catch-up leaves nothing lost anywhere.
 *
 * CHAOS_SINK_FAILURE=block runs every case with pipeline.on_sink_failure: block (lock-step,
 * the behaviour before #17), to see the cases fail without isolation; CHAOS_ISOLATION_CASES=a,c
 * runs only those cases.
 */
const LOOKBACK_MS = 30_000;
const MAX_BUFFERED = 200;
const PAGE_SIZE = 200;
/**
 * Live activity created up to this long before an instant must be in a flowing sink by then.
 * Lock-step stalls the others for the whole outage (minutes); a flowing sink lags a poll
 * interval plus batching, and on a loaded 2-core host with a broker beside it, seconds more
 * (5 s was once 88 activities short at full size).
 */
const FLOW_SLACK_MS = 10_000;

interface Sizes {
  readonly unhealthyAfterMs: number;
  /** The outage of cases 1 to 3 and 5. */
  readonly outageMs: number;
  readonly rate: number;
  readonly backlog: number;
  readonly kills: number;
  readonly burst: number;
}

function sizes(full: boolean): Sizes {
  return full
    ? { unhealthyAfterMs: 30_000, outageMs: 120_000, rate: 20, backlog: 3000, kills: 3, burst: 6000 }
    : { unhealthyAfterMs: 5000, outageMs: 20_000, rate: 20, backlog: 600, kills: 1, burst: 2000 };
}

/** The policy under test: the default (isolate), or lock-step when forced. */
function policy(): Record<string, unknown> {
  const forced = process.env.CHAOS_SINK_FAILURE;
  return forced ? { on_sink_failure: forced } : {};
}

interface Run {
  readonly row: Row;
  readonly sim: SimulatorHandle;
  readonly set: SinkSet;
  readonly dir: string;
  readonly config: string;
  readonly probe: HealthProbe;
  readonly sizes: Sizes;
  /** /readyz and sink_healthy must turn within this many seconds. */
  readonly limitS: number;
}

async function setUp(
  ctx: ChaosContext,
  label: string,
  tag: string,
  kinds: readonly SinkKind[],
  opts: {
    readonly seed: number;
    readonly overrides?: Partial<Record<SinkKind, Record<string, unknown>>>;
    /** Source settings; may start something in front of the simulator (the relay of case e). */
    readonly source?: (sim: SimulatorHandle) => Promise<Record<string, unknown>>;
  },
): Promise<Run> {
  const sz = sizes(ctx.full);
  const row = newRow(label);
  if (process.env.CHAOS_SINK_FAILURE)
    row.notes.push(`pipeline.on_sink_failure: ${process.env.CHAOS_SINK_FAILURE} (forced)`);
  const dir = scenarioDir(`isolate-${tag}`);
  const sim = await startSimulator({
    seed: opts.seed,
    backlog: sz.backlog,
    backlogWindowMs: 2 * 3600_000,
    rate: sz.rate,
  });
  const set = await makeSinks({
    servers: ctx.servers,
    dir,
    tag: `isolate-${tag}-${Date.now()}`,
    kinds: kinds.filter((k) => k !== 'kafka' || ctx.servers.kafka),
    overrides: opts.overrides,
  });
  if (kinds.includes('kafka') && !ctx.servers.kafka)
    set.unavailable.kafka = ctx.servers.unavailable.kafka ?? 'n/a (Kafka not started)';
  const port = await freePort();
  const config = writeConfig(dir, {
    ...(await forwarderConfig({
      sim,
      dir,
      sinks: set,
      source: { page_size: PAGE_SIZE, lookback: `${LOOKBACK_MS / 1000}s`, ...(await opts.source?.(sim)) },
      pipeline: { max_buffered_events: MAX_BUFFERED, ...policy() },
      log: { level: 'info' },
      metricsPort: port,
    })),
    health: { unhealthy_after: `${sz.unhealthyAfterMs / 1000}s` },
  });
  return {
    row,
    sim,
    set,
    dir,
    config,
    probe: new HealthProbe(port),
    sizes: sz,
    limitS: sz.unhealthyAfterMs / 1000 + 5,
  };
}

function start(run: Run): ForwarderProcess {
  return startCli(['run', '-c', run.config], { from: 'built' });
}

/** Waits until the sink holds at least `n` activities (the backlog flowing). */
async function until(sink: SinkUnderTest, n: number, fwd: ForwarderProcess, ms = 90_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (fwd.running && Date.now() < deadline) {
    if ((await sink.count().catch(() => 0)) >= n) return true;
    await sleep(200);
  }
  return false;
}

/**
 * Waits until the sink has everything created up to FLOW_SLACK_MS ago: the backlog is in,
 * and what is in flight is only live activity (what a kill can leave twice is then small).
 */
async function caughtUpWithLive(run: Run, sink: SinkUnderTest, fwd: ForwarderProcess): Promise<boolean> {
  const deadline = Date.now() + 90_000;
  while (fwd.running && Date.now() < deadline) {
    const want = offeredIds(run.sim, Date.now() - FLOW_SLACK_MS).length;
    if ((await sink.count().catch(() => 0)) >= want) {
      // The backlog arrives in a burst: let it pass, so the last second is live activity only.
      await sleep(2000);
      return true;
    }
    await sleep(250);
  }
  return false;
}

/** Events HEC indexed in the second before it was killed: the batches whose acks may be unread. */
function indexedJustBefore(hec: HecReceiver, downAt: number): number {
  return hec.events().filter((e) => e.at >= downAt - 1000 && e.at <= downAt).length;
}

/**
 * What HEC had indexed but the checkpoint had not yet committed when HEC was killed: the
 * activities a kill can leave twice (with indexer acks, everything whose ack was still to come).
 */
function indexedButUncommitted(hec: HecReceiver, run: Run): number {
  const cp = readCheckpoint(join(run.dir, 'data', 'checkpoint.json'));
  const committed = new Set((cp?.seen ?? []).map(([id]) => id));
  const floor = cp?.watermark ? Date.parse(cp.watermark) - LOOKBACK_MS : -Infinity;
  const createdAt = new Map(
    run.sim.allActivities({ includeSelf: true }).map((a) => [a.id, Date.parse(a.created_at)]),
  );
  return hec.eventIds().filter((id) => !committed.has(id) && (createdAt.get(id) ?? Infinity) >= floor).length;
}

/** Measures how soon /readyz and sink_healthy name `part` after `fromMs`, against the limit. */
async function expectRed(run: Run, label: string, part: string, fromMs: number): Promise<void> {
  recordTurn(run.row, label, await run.probe.turnRed(part, fromMs, run.limitS * 1000 + 10_000), run.limitS);
}

/** Waits out the rest of an outage that began at `fromMs`. */
async function outageLasts(fromMs: number, ms: number, fwd: ForwarderProcess): Promise<void> {
  while (Date.now() - fromMs < ms && fwd.running) await sleep(250);
}

/**
 * The sinks still attached kept receiving live activity through the outage: each holds at
 * least every activity created up to FLOW_SLACK_MS before now (lock-step stalls them once
 * max_buffered_events fill).
 */
async function othersFlowed(run: Run, others: readonly SinkUnderTest[], victim: string): Promise<void> {
  const want = offeredIds(run.sim, Date.now() - FLOW_SLACK_MS).length;
  const have = await Promise.all(others.map((s) => s.count().catch(() => 0)));
  others.forEach((s, i) =>
    check(
      run.row,
      have[i] >= want,
      `${s.kind} stopped receiving while ${victim} was out: it holds ${have[i]} of the ${want} activities created up to ${FLOW_SLACK_MS / 1000} s before the outage ended`,
    ),
  );
  run.row.notes.push(
    `at the end of the ${victim} outage the others held ${others.map((s, i) => `${s.kind} ${have[i]}`).join(', ')} of ${want} created up to ${FLOW_SLACK_MS / 1000} s before`,
  );
}

/** The sink is attached again (its catch-up done); notes how long that took. */
async function backAgain(run: Run, sinkName: string, fwd: ForwarderProcess, from: string): Promise<void> {
  const seconds = await run.probe.attachedAgain(sinkName, run.sizes.outageMs * 2 + 90_000, () => fwd.running);
  check(run.row, seconds !== undefined, `sinks.${sinkName} was never attached again (ready) after ${from}`);
  if (seconds !== undefined)
    run.row.notes.push(`sinks.${sinkName} caught up and ready again ${seconds.toFixed(1)} s after ${from}`);
}

/** Stops the feed, waits for every sink to hold everything, stops the forwarder and tallies. */
async function finish(
  ctx: ChaosContext,
  run: Run,
  fwd: ForwarderProcess,
): Promise<Map<SinkKind, { duplicates: number }>> {
  const cutoff = await quiesce(run.sim);
  const expected = offeredIds(run.sim, cutoff);
  const missing = await waitForDelivery(run.set, expected, {
    timeoutMs: ctx.full ? 300_000 : 120_000,
    forwarder: fwd,
  });
  const exit = await fwd.stop();
  check(
    run.row,
    exit.code === 0,
    `did not stop cleanly on SIGTERM (exit ${exit.code ?? exit.signal}); still missing ${JSON.stringify(missing)}: ${tail(fwd.stderr())}`,
  );
  run.row.peakRssMb = Math.max(run.row.peakRssMb ?? 0, fwd.peakRssMb());
  return tally(run.row, run.set, expected);
}

/** Every sink but `victim` gets nothing twice; the victim at most `bound` (why: `because`). */
function duplicatesWithin(
  run: Run,
  per: Map<SinkKind, { duplicates: number }>,
  victim?: { readonly kind: SinkKind; readonly bound: number; readonly because: string },
): void {
  run.row.duplicateBound = victim ? `${victim.bound} (${victim.because})` : '0';
  for (const [kind, v] of per) {
    const bound = kind === victim?.kind ? victim.bound : 0;
    check(run.row, v.duplicates <= bound, `${kind}: ${v.duplicates} activities twice (bound ${bound})`);
  }
}

async function tearDown(run: Run): Promise<void> {
  await run.set.close();
  await run.sim.close();
}

/** 11a. Kafka down when the forwarder starts; HEC receives everything; then Kafka catches up. */
async function kafkaDownAtStart(ctx: ChaosContext): Promise<Row> {
  const sz = sizes(ctx.full);
  const run = await setUp(
    ctx,
    `11a. Kafka down at start-up for ${sz.outageMs / 1000} s, HEC flows`,
    'kafka-start',
    ['hec', 'kafka'],
    {
      seed: 1101,
    },
  );
  const kafka = ctx.servers.kafka;
  try {
    if (!kafka) {
      run.row.notes.push(`not run: ${run.set.unavailable.kafka}`);
      run.row.delivered.kafka = run.set.unavailable.kafka;
      return run.row;
    }
    await kafka.stop();
    const fwd = start(run);
    const startedAt = Date.now();
    await expectRed(run, 'Kafka down at start-up', 'sinks.kafka', startedAt);
    await outageLasts(startedAt, sz.outageMs, fwd);
    check(run.row, fwd.running, `the forwarder exited with Kafka down: ${tail(fwd.stderr())}`);
    await othersFlowed(run, [run.set.get('hec')!], 'Kafka');
    await kafka.start();
    await backAgain(run, 'kafka', fwd, 'the broker started');
    duplicatesWithin(run, await finish(ctx, run, fwd));
  } finally {
    if (kafka && !kafka.running) await kafka.start().catch(() => undefined);
    await tearDown(run);
  }
  return run.row;
}

/**
 * 11b/11c. HEC taken away while running (its server stopped, or accepting without ever
 * acknowledging); Kafka and the file sink keep receiving; then HEC catches up.
 */
async function hecOutage(ctx: ChaosContext, kind: 'down' | 'no-acks'): Promise<Row> {
  const sz = sizes(ctx.full);
  const label =
    kind === 'down'
      ? `11b. HEC down for ${sz.outageMs / 1000} s, Kafka and file flow`
      : `11c. HEC accepts but never acknowledges for ${sz.outageMs / 1000} s`;
  const run = await setUp(ctx, label, `hec-${kind}`, ['file', 'hec', 'kafka'], {
    seed: kind === 'down' ? 1102 : 1103,
  });
  const hec = run.set.hec!;
  try {
    const fwd = start(run);
    check(
      run.row,
      await caughtUpWithLive(run, run.set.get('hec')!, fwd),
      `HEC never caught up with the backlog: ${tail(fwd.stderr())}`,
    );
    const indexedBefore = hec.events().length;
    if (kind === 'down') await hec.stop();
    else hec.faults.acksNeverTrue = true;
    const downAt = Date.now();
    await expectRed(run, kind === 'down' ? 'HEC down' : 'HEC not acknowledging', 'sinks.splunk', downAt);
    await outageLasts(downAt, sz.outageMs, fwd);
    check(run.row, fwd.running, `the forwarder exited during the HEC outage: ${tail(fwd.stderr())}`);
    await othersFlowed(
      run,
      run.set.sinks.filter((s) => s.kind !== 'hec'),
      'HEC',
    );
    const unacknowledged = hec.events().length - indexedBefore;
    // Killed with indexer acks on, HEC may have indexed a batch whose ack the sink never read:
    // that batch is sent again.
    const inFlight = indexedJustBefore(hec, downAt);
    if (kind === 'down') await hec.start();
    else hec.faults.acksNeverTrue = false;
    await backAgain(run, 'splunk', fwd, kind === 'down' ? 'HEC started' : 'acknowledgements came again');
    const per = await finish(ctx, run, fwd);
    if (kind === 'down')
      duplicatesWithin(run, per, { kind: 'hec', bound: inFlight, because: 'in flight when HEC was killed' });
    else {
      run.row.notes.push(
        "the catch-up lane began at once, and its first batches waited out HEC's ack.timeout before they were sent again: most of the time to ready after acknowledgements came back",
      );
      // What HEC indexed without ever acknowledging is not delivered: sending it again is right.
      duplicatesWithin(run, per, {
        kind: 'hec',
        bound: unacknowledged,
        because: 'indexed, never acknowledged',
      });
    }
  } finally {
    await tearDown(run);
  }
  return run.row;
}

/** 11d. HEC down while a burst arrives; kill -9 while its catch-up runs; nothing lost anywhere. */
async function killDuringCatchUp(ctx: ChaosContext): Promise<Row> {
  const sz = sizes(ctx.full);
  const run = await setUp(
    ctx,
    `11d. kill -9 ×${sz.kills} during HEC's catch-up`,
    'kill-catch-up',
    ['file', 'hec', 'kafka'],
    {
      seed: 1104,
      // One small batch at a time: the catch-up lasts long enough to be killed in the middle.
      overrides: { hec: { batch: { max_events: 20, timeout: '50ms', concurrency: 1 } } },
    },
  );
  const hec = run.set.hec!;
  const hecSink = run.set.get('hec')!;
  const checkpointPath = join(run.dir, 'data', 'checkpoint.json');
  try {
    let fwd = start(run);
    check(run.row, await until(hecSink, 200, fwd), `HEC never received the backlog: ${tail(fwd.stderr())}`);
    await hec.stop();
    const downAt = Date.now();
    await expectRed(run, 'HEC down', 'sinks.splunk', downAt);
    run.sim.append(sz.burst);
    await outageLasts(downAt, run.limitS * 1000 + 5000, fwd);
    await othersFlowed(
      run,
      run.set.sinks.filter((s) => s.kind !== 'hec'),
      'HEC',
    );
    hec.faults.slowMs = 150;
    await hec.start();
    for (let i = 0; i < sz.kills; i++) {
      const from = await hecSink.count();
      const deadline = Date.now() + 60_000;
      let under = false;
      while (fwd.running && Date.now() < deadline) {
        under = (await run.probe.catchingUp('splunk')) && (await hecSink.count()) >= from + 200;
        if (under) break;
        await sleep(200);
      }
      if (!check(run.row, under, `kill ${i + 1}: HEC's catch-up never got under way: ${tail(fwd.stderr())}`))
        break;
      await sleep(ctx.random() * 1000);
      await fwd.kill9();
      run.row.peakRssMb = Math.max(run.row.peakRssMb ?? 0, fwd.peakRssMb());
      const cp = readCheckpoint(checkpointPath);
      const own = cp?.sinks?.splunk;
      check(run.row, own !== undefined, `kill ${i + 1}: the checkpoint holds no position of HEC's own`);
      const others = run.set.sinks.filter((s) => s.kind !== 'hec');
      await committedIsDelivered(
        run.row,
        cp,
        run.sim,
        LOOKBACK_MS,
        others,
        `after kill ${i + 1} (main position)`,
      );
      await committedIsDelivered(
        run.row,
        own,
        run.sim,
        LOOKBACK_MS,
        [hecSink],
        `after kill ${i + 1} (HEC's own position)`,
      );
      run.row.notes.push(
        `kill ${i + 1} with HEC holding ${await hecSink.count()} (${own?.state ?? 'no own position'})`,
      );
      fwd = start(run);
    }
    hec.faults.slowMs = 0;
    await backAgain(run, 'splunk', fwd, 'the last restart');
    const per = await finish(ctx, run, fwd);
    const bound = sz.kills * (MAX_BUFFERED + PAGE_SIZE);
    run.row.duplicateBound = `${bound}/sink`;
    for (const [k, v] of per)
      check(run.row, v.duplicates <= bound, `${k}: ${v.duplicates} duplicates exceed ${bound}`);
  } finally {
    await tearDown(run);
  }
  return run.row;
}

/** 11e. HEC and the Compliance API unreachable at once; readiness names both; nothing lost. */
async function hecAndApiDown(ctx: ChaosContext): Promise<Row> {
  const sz = sizes(ctx.full);
  let relay: TcpRelay | undefined;
  const requestTimeoutMs = 2000;
  const pollMs = 500;
  const run = await setUp(
    ctx,
    `11e. HEC and the API unreachable for ${sz.outageMs / 1000} s`,
    'hec-api',
    ['file', 'hec'],
    {
      seed: 1105,
      source: async (sim) => {
        relay = await TcpRelay.start(sim.port);
        return {
          base_url: relay.url,
          request_timeout: `${requestTimeoutMs / 1000}s`,
          poll_interval: `${pollMs}ms`,
        };
      },
    },
  );
  try {
    const file = run.set.get('file')!;
    const hec = run.set.hec!;
    const fwd = start(run);
    check(
      run.row,
      await caughtUpWithLive(run, run.set.get('hec')!, fwd),
      `HEC never caught up with the backlog: ${tail(fwd.stderr())}`,
    );
    await hec.stop();
    const hecDownAt = Date.now();
    const atRisk = indexedButUncommitted(hec, run);
    // A sink is judged by what it fails to deliver: let the next cycle hand HEC something.
    const fileBefore = await file.count();
    while ((await file.count()) <= fileBefore && Date.now() - hecDownAt < 5000) await sleep(100);
    await relay!.cut();
    const apiDownAt = Date.now();
    const sourceLimitS = (2 * (pollMs + requestTimeoutMs)) / 1000 + 5;
    const [hecTurn, apiTurn] = await Promise.all([
      run.probe.turnRed('sinks.splunk', hecDownAt, run.limitS * 1000 + 10_000),
      run.probe.turnRed('source', apiDownAt, sourceLimitS * 1000 + 10_000),
    ]);
    recordTurn(run.row, 'HEC down', hecTurn, run.limitS);
    recordTurn(
      run.row,
      `API unreachable ${((apiDownAt - hecDownAt) / 1000).toFixed(1)} s later (limit: 2 × (poll_interval + request_timeout) + 5 s)`,
      apiTurn,
      sourceLimitS,
      false,
    );
    await outageLasts(hecDownAt, sz.outageMs, fwd);
    check(
      run.row,
      fwd.running,
      `the forwarder exited while HEC and the API were down: ${tail(fwd.stderr())}`,
    );
    await relay!.restore();
    await hec.start();
    await backAgain(run, 'splunk', fwd, 'HEC and the API returned');
    const per = await finish(ctx, run, fwd);
    duplicatesWithin(run, per, {
      kind: 'hec',
      bound: atRisk,
      because: 'indexed but not yet committed when HEC was killed',
    });
  } finally {
    await relay?.cut();
    await tearDown(run);
  }
  return run.row;
}

export const sinkIsolation: Scenario = {
  id: 'isolation',
  title:
    'a dead destination never stops the others: Kafka down at start, HEC down or silent, kill -9 mid-catch-up, HEC and API down (#17)',
  needs: { kafka: true },
  async run(ctx) {
    const rows: Row[] = [];
    const cases: Array<[string, () => Promise<Row>]> = [
      ['Kafka down at start-up', () => kafkaDownAtStart(ctx)],
      ['HEC down', () => hecOutage(ctx, 'down')],
      ['HEC never acknowledging', () => hecOutage(ctx, 'no-acks')],
      ['kill -9 during a catch-up', () => killDuringCatchUp(ctx)],
      ['HEC and the API unreachable', () => hecAndApiDown(ctx)],
    ];
    const only = process.env.CHAOS_ISOLATION_CASES?.split(',');
    for (const [i, [label, runCase]] of cases.entries()) {
      if (only && !only.includes(String.fromCharCode(97 + i))) continue;
      ctx.log(`  isolation: ${label}`);
      rows.push(await runCase());
    }
    return rows;
  },
};
