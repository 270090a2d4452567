/**
 * Benchmarks 1 and 2: the forwarder against syslog-ng, the same activities into the same
 * receiver, measured alternately (forwarder, syslog-ng, syslog-ng, forwarder, …) so that
 * whatever else loads the machine weighs on both sides alike; medians of `rounds` each.
 *
 *   forwarder: simulator (prerendered) → run --once → raw payload → sink
 *   syslog-ng: the same activities, as JSON lines in a file → syslog-ng → destination
 *
 *   - syslog: → rsyslog over TCP (octet counting, RFC 5424): the syslog sink / syslog()
 *   - HEC:    → the strict HEC receiver (no compression, no indexer acks): the splunk_hec
 *             sink / http() with batching
 *
 * Time: from starting the sender to the receiver holding all N (start-up included on
 * both sides). CPU: seconds of the sending side's processes — the forwarder plus the share
 * of the simulator that served it, against syslog-ng — per 100k activities.
 *
 *   node --import tsx bench/peers.bench.ts [--activities 200000] [--rounds 3] [--only syslog|hec]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_HEC_TOKEN } from '../test/support/hec-receiver';
import { ForwarderRun } from './lib/forwarder';
import { HecReceiverProcess } from './lib/hec-receiver';
import { CpuTracker, cpuSeconds, loadAverage } from './lib/proc';
import { RsyslogReceiver } from './lib/rsyslog-receiver';
import { SimulatorProcess } from './lib/simulator';
import { SyslogNgPeer, syslogNgPeerAvailable, syslogNgVersion, type PeerTarget } from './lib/syslog-ng-peer';
import { median } from './support';
import { EVERY_ROW_VISIBLE } from '../src/simulator/access-transparency';

export type PeerTargetName = 'syslog' | 'hec';
export type Side = 'forwarder' | 'syslog-ng';

export interface PeerRun {
  readonly target: PeerTargetName;
  readonly side: Side;
  readonly round: number;
  /** Launch → the receiver holds all N. */
  readonly seconds: number;
  /** First → N-th arrival at the receiver (start-up excluded). */
  readonly steadySeconds: number;
  /** CPU seconds of the sending side (forwarder + simulator, or syslog-ng). */
  readonly senderCpu: number;
  /** Of which the simulator (forwarder side only). */
  readonly sourceCpu: number;
  readonly receiverCpu: number;
  readonly peakRssMb?: number;
  readonly load: number;
}

export interface PeerSummary {
  readonly target: PeerTargetName;
  readonly activities: number;
  readonly rounds: number;
  readonly forwarder: SideSummary;
  readonly syslogNg: SideSummary;
  /** Forwarder activities/s ÷ syslog-ng activities/s (medians). */
  readonly ratio: number;
  readonly steadyRatio: number;
  readonly runs: readonly PeerRun[];
}

export interface SideSummary {
  readonly perSecond: number;
  readonly steadyPerSecond: number;
  /** Sending side's CPU seconds per 100 000 activities. */
  readonly cpuPer100k: number;
  readonly sourceCpuPer100k: number;
  readonly receiverCpuPer100k: number;
}

export interface PeerOptions {
  readonly activities: number;
  readonly rounds: number;
  readonly targets: readonly PeerTargetName[];
  /** A prerendered simulator holding exactly `activities` within the last 7 h (peerSimulatorOptions). */
  readonly sim: SimulatorProcess;
  readonly log?: (line: string) => void;
}

export function peerSimulatorOptions(activities: number) {
  return {
    seed: 7,
    backlog: activities,
    backlogWindowMs: 6 * 3_600_000,
    rateLimit: false,
    selfEvents: false,
    prerender: true,
    accessTransparency: EVERY_ROW_VISIBLE,
  } as const;
}

const FORWARDER_SINKS: Record<PeerTargetName, (where: string) => string> = {
  // ack_delay 0s: a batch counts as delivered when the kernel took its bytes — what
  // syslog-ng's syslog() destination does too. The default (1 s, the window in which a
  // receiver that stopped reading resets the connection) caps the sink at
  // concurrency × max_events per second whatever the receiver: 8 × 500/s by default.
  syslog: (port) =>
    `  rsyslog:\n    type: syslog\n    address: 127.0.0.1:${port}\n    transport: tcp\n    framing: octet_counting\n    format: rfc5424\n    payload_format: raw\n` +
    `    ack_delay: 0s\n    batch: { max_events: 2000, max_bytes: 4MiB, concurrency: 8 }`,
  hec: (url) =>
    `  splunk:\n    type: splunk_hec\n    endpoint: ${url}\n    token: ${DEFAULT_HEC_TOKEN}\n    format: raw\n    compression: none\n    batch: { max_events: 500, concurrency: 8 }`,
};

interface Receiver {
  readonly pid: number | undefined;
  /** Resolves with first and N-th arrival times (epoch ms) once all N arrived. */
  wait(
    n: number,
    failed: () => string | undefined,
  ): Promise<{ firstAt: number; lastAt: number; distinct: number }>;
  stop(): Promise<void>;
  readonly where: string;
}

async function startReceiver(target: PeerTargetName): Promise<Receiver> {
  if (target === 'syslog') {
    const r = await RsyslogReceiver.start();
    return {
      pid: r.pid,
      where: String(r.port),
      async wait(n, failed) {
        await r.counter.waitFor(n, 600_000, () => failed() ?? r.failure());
        return {
          firstAt: r.counter.firstAt ?? 0,
          lastAt: r.counter.lastAt ?? 0,
          distinct: new Set(r.ids()).size,
        };
      },
      stop: () => r.dispose(),
    };
  }
  const r = await HecReceiverProcess.start();
  return {
    pid: r.pid,
    where: r.url,
    async wait(n) {
      const report = await r.waitFor(n, 600_000);
      return { firstAt: report.firstAt, lastAt: report.lastAt, distinct: report.distinctIds };
    },
    stop: () => r.stop(),
  };
}

function peerTarget(target: PeerTargetName, where: string): PeerTarget {
  return target === 'syslog'
    ? { kind: 'syslog', port: Number(where) }
    : { kind: 'hec', url: where, token: DEFAULT_HEC_TOKEN, batchLines: 500, workers: 8 };
}

async function measure(
  target: PeerTargetName,
  side: Side,
  round: number,
  ctx: { sim: SimulatorProcess; input: string; n: number },
): Promise<PeerRun> {
  const receiver = await startReceiver(target);
  const receiverCpu = new CpuTracker(receiver.pid ?? -1);
  const receiverCpuBefore = receiverCpu.seconds;
  const load = loadAverage();
  try {
    if (side === 'forwarder') {
      const simCpuBefore = cpuSeconds(ctx.sim.pid ?? -1) ?? 0;
      const run = ForwarderRun.launch({
        simulatorUrl: ctx.sim.url,
        sinks: FORWARDER_SINKS[target](receiver.where),
        pipeline: { max_buffered_events: 50_000 },
      });
      try {
        const got = await receiver.wait(ctx.n, () => run.failure());
        const code = await run.exit;
        if (code !== 0) throw new Error(`forwarder exited ${code}: ${run.stderr.slice(-1500)}`);
        if (got.distinct < ctx.n)
          throw new Error(`${target}: ${got.distinct}/${ctx.n} distinct activities arrived`);
        const sourceCpu = (cpuSeconds(ctx.sim.pid ?? -1) ?? 0) - simCpuBefore;
        return {
          target,
          side,
          round,
          seconds: (got.lastAt - run.startedAt) / 1000,
          steadySeconds: (got.lastAt - got.firstAt) / 1000,
          senderCpu: run.cpu.seconds + sourceCpu,
          sourceCpu,
          receiverCpu: receiverCpu.seconds - receiverCpuBefore,
          peakRssMb: run.peakRssMb,
          load,
        };
      } finally {
        await run.stop();
        run.dispose();
      }
    }
    const peer = SyslogNgPeer.prepare(ctx.input, peerTarget(target, receiver.where));
    const startedAt = Date.now();
    peer.start();
    const cpu = new CpuTracker(peer.pid ?? -1);
    try {
      const got = await receiver.wait(ctx.n, () => peer.failure());
      if (got.distinct < ctx.n)
        throw new Error(`${target}: ${got.distinct}/${ctx.n} distinct activities arrived from syslog-ng`);
      return {
        target,
        side,
        round,
        seconds: (got.lastAt - startedAt) / 1000,
        steadySeconds: (got.lastAt - got.firstAt) / 1000,
        senderCpu: cpu.seconds,
        sourceCpu: 0,
        receiverCpu: receiverCpu.seconds - receiverCpuBefore,
        load,
      };
    } finally {
      cpu.stop();
      await peer.dispose();
    }
  } finally {
    receiverCpu.stop();
    await receiver.stop();
  }
}

function summarize(runs: readonly PeerRun[], n: number): SideSummary {
  const per100k = (x: number): number => (x * 100_000) / n;
  return {
    perSecond: n / median(runs.map((r) => r.seconds)),
    steadyPerSecond: n / median(runs.map((r) => r.steadySeconds)),
    cpuPer100k: per100k(median(runs.map((r) => r.senderCpu))),
    sourceCpuPer100k: per100k(median(runs.map((r) => r.sourceCpu))),
    receiverCpuPer100k: per100k(median(runs.map((r) => r.receiverCpu))),
  };
}

export async function runPeerBench(
  opts: PeerOptions,
): Promise<{ summaries: PeerSummary[]; syslogNg: string }> {
  if (!syslogNgPeerAvailable())
    throw new Error('syslog-ng with its http() module is not extracted: run "sudo bash scripts/ci/bench.sh"');
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const n = opts.activities;
  const sim = opts.sim;
  const dir = mkdtempSync(join(tmpdir(), 'caf-bench-peers-'));
  try {
    const input = join(dir, 'activities.jsonl');
    const dump = await sim.dumpJsonLines(new Date(Date.now() - 7 * 3_600_000).toISOString(), input);
    if (dump.ids.length !== n)
      throw new Error(`the simulator served ${dump.ids.length} activities, expected ${n}`);
    log(`peers: ${n} activities as JSON lines for syslog-ng (${(dump.bytes / 1e6).toFixed(0)} MB)`);
    const summaries: PeerSummary[] = [];
    for (const target of opts.targets) {
      const runs: PeerRun[] = [];
      for (let round = 1; round <= opts.rounds; round++) {
        // ABBA: alternate who goes first so drift in the machine's load cancels out.
        const order: Side[] = round % 2 === 1 ? ['forwarder', 'syslog-ng'] : ['syslog-ng', 'forwarder'];
        for (const side of order) {
          const run = await measure(target, side, round, { sim, input, n });
          runs.push(run);
          log(
            `peers: ${target} round ${round} ${side.padEnd(9)} ${Math.round(n / run.seconds)
              .toLocaleString('en-US')
              .padStart(
                7,
              )}/s  (${run.seconds.toFixed(2)} s, sender CPU ${run.senderCpu.toFixed(2)} s, receiver CPU ${run.receiverCpu.toFixed(2)} s, load ${run.load.toFixed(1)})`,
          );
        }
      }
      const forwarder = summarize(
        runs.filter((r) => r.side === 'forwarder'),
        n,
      );
      const syslogNg = summarize(
        runs.filter((r) => r.side === 'syslog-ng'),
        n,
      );
      summaries.push({
        target,
        activities: n,
        rounds: opts.rounds,
        forwarder,
        syslogNg,
        ratio: forwarder.perSecond / syslogNg.perSecond,
        steadyRatio: forwarder.steadyPerSecond / syslogNg.steadyPerSecond,
        runs,
      });
    }
    return { summaries, syslogNg: syslogNgVersion() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      activities: { type: 'string', default: '200000' },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string' },
    },
  });
  const targets: PeerTargetName[] = values.only ? [values.only as PeerTargetName] : ['syslog', 'hec'];
  const n = Number(values.activities);
  SimulatorProcess.start(peerSimulatorOptions(n))
    .then((sim) =>
      runPeerBench({ activities: n, rounds: Number(values.rounds), targets, sim }).finally(() => sim.stop()),
    )
    .then(({ summaries }) => {
      for (const s of summaries) {
        process.stdout.write(
          `${s.target}: forwarder ${Math.round(s.forwarder.perSecond)}/s, syslog-ng ${Math.round(s.syslogNg.perSecond)}/s, ratio ${s.ratio.toFixed(2)} (steady ${s.steadyRatio.toFixed(2)}); CPU/100k ${s.forwarder.cpuPer100k.toFixed(2)} s vs ${s.syslogNg.cpuPer100k.toFixed(2)} s\n`,
        );
      }
    })
    .catch((err: unknown) => {
      process.stderr.write(`peers bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
}
