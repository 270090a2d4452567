/**
 * `npm run bench`: the benchmarks of issue #10 in one run — peers (the forwarder against
 * syslog-ng into rsyslog and into a HEC receiver), the in-process limit and end-to-end
 * throughput against it, memory with a million-activity backlog (fast and stalled sink), and
 * backfill time against the rate-budget bound. Writes bench/results.md and prints it.
 *
 *   npm run bench                          full run (≈ 15 min on 2 cores)
 *   npm run bench -- --quick               smaller sizes, one round (≈ 5 min); or BENCH_QUICK=1
 *   npm run bench -- --only peers,limit    a subset: peers, limit, memory, backfill, lane, catchup, routing, sentinel, s3, elasticsearch
 *
 * Needs: rsyslogd, and syslog-ng with its http() module extracted by scripts/ci/bench.sh
 * (run here when missing and we are root). Builds the CLI first (the forwarder is measured
 * as it ships: compiled, plain node).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  runBackfillBench,
  BACKFILL_PAGE_SIZE,
  BACKFILL_REQUESTS_PER_MINUTE,
  backfillBoundSeconds,
  type BackfillRow,
} from './backfill.bench';
import { runEndToEndBench, type EndToEndRow } from './end-to-end.bench';
import { runCatchUpBench, type CatchUpRow } from './catch-up.bench';
import { routingOverhead, runRoutingBench, type RoutingRow } from './routing.bench';
import { formatSentinelBench, runSentinelBench, type SentinelBenchRow } from './sentinel.bench';
import {
  formatElasticsearchBench,
  runElasticsearchBench,
  type ElasticsearchBenchRow,
} from './elasticsearch.bench';
import { formatS3Bench, runS3Bench, type S3BenchOptions, type S3BenchRow } from './s3.bench';
import { runLateLaneBench, type LateLaneRow } from './late-lane.bench';
import type { LimitRow } from './limit.bench';
import { backlogSimulatorOptions, runMemoryBench, type MemoryRow } from './memory.bench';
import { peerSimulatorOptions, runPeerBench, type PeerSummary } from './peers.bench';
import { loadAverage } from './lib/proc';
import { SimulatorProcess } from './lib/simulator';
import { syslogNgPeerAvailable } from './lib/syslog-ng-peer';
import { REPO, table } from './support';

type Part =
  | 'peers'
  | 'limit'
  | 'memory'
  | 'backfill'
  | 'lane'
  | 'catchup'
  | 'routing'
  | 'sentinel'
  | 's3'
  | 'elasticsearch';
const PARTS: readonly Part[] = [
  'peers',
  'limit',
  'memory',
  'backfill',
  'lane',
  'catchup',
  'routing',
  'sentinel',
  's3',
  'elasticsearch',
];

interface Plan {
  readonly quick: boolean;
  readonly parts: ReadonlySet<Part>;
  readonly peerActivities: number;
  readonly rounds: number;
  readonly limitSeconds: number;
  readonly backlog: number;
  readonly stallSeconds: number;
  readonly backfillConcurrency: readonly number[];
  readonly capSeconds: number;
}

function plan(): Plan {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const quick = values.quick || process.env.BENCH_QUICK === '1';
  const parts = new Set<Part>(values.only ? (values.only.split(',') as Part[]) : PARTS);
  for (const p of parts)
    if (!PARTS.includes(p)) throw new Error(`--only: unknown part "${p}" (${PARTS.join(', ')})`);
  return quick
    ? {
        quick,
        parts,
        peerActivities: 50_000,
        rounds: 1,
        limitSeconds: 1,
        backlog: 200_000,
        stallSeconds: 15,
        backfillConcurrency: [1, 4, 8],
        capSeconds: 40,
      }
    : {
        quick,
        parts,
        peerActivities: 200_000,
        rounds: 3,
        limitSeconds: 3,
        backlog: 1_000_000,
        stallSeconds: 30,
        backfillConcurrency: [1, 4, 8],
        capSeconds: 300,
      };
}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

function prepare(p: Plan): void {
  if (p.parts.has('peers') && !syslogNgPeerAvailable() && process.getuid?.() === 0) {
    log('extracting syslog-ng and its http() module (scripts/ci/bench.sh)');
    spawnSync('bash', [join(REPO, 'scripts/ci/bench.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  log('building the CLI (npm run build)');
  const build = spawnSync(
    process.execPath,
    [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.build.json')],
    { encoding: 'utf8' },
  );
  if (build.status !== 0) {
    // tsc still emits; a type error elsewhere in the tree should not stop a benchmark.
    log(
      `the build reported type errors (measuring what it emitted):\n${(build.stdout + build.stderr).split('\n').slice(0, 8).join('\n')}`,
    );
  }
  if (!existsSync(join(REPO, 'dist/src/cli/main.js')))
    throw new Error('no dist/src/cli/main.js after the build');
}

interface Results {
  peers?: { summaries: PeerSummary[]; syslogNg: string };
  peersError?: string;
  limit?: LimitRow[];
  endToEnd?: EndToEndRow[];
  memory?: MemoryRow[];
  backfill?: BackfillRow[];
  lane?: LateLaneRow[];
  catchUp?: CatchUpRow;
  routing?: RoutingRow[];
  sentinel?: readonly SentinelBenchRow[];
  elasticsearch?: readonly ElasticsearchBenchRow[];
  s3?: { rows: S3BenchRow[]; options: S3BenchOptions };
  loadStart: number;
  loadEnd?: number;
  startedAt: Date;
  minutes?: number;
}

function runLimitChild(url: string, p: Plan): LimitRow[] {
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(__dirname, 'limit.bench.ts'),
      '--json',
      '--url',
      url,
      '--seconds',
      String(p.limitSeconds),
    ],
    {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`limit bench failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '[]') as LimitRow[];
}

async function measure(p: Plan): Promise<Results> {
  const results: Results = { loadStart: loadAverage(), startedAt: new Date() };
  if (p.parts.has('peers') || p.parts.has('limit')) {
    const sim = await SimulatorProcess.start(peerSimulatorOptions(p.peerActivities));
    log(
      `simulator with ${p.peerActivities.toLocaleString('en-US')} prerendered activities ready (${(sim.startMs / 1000).toFixed(0)} s)`,
    );
    try {
      if (p.parts.has('peers')) {
        try {
          results.peers = await runPeerBench({
            activities: p.peerActivities,
            rounds: p.rounds,
            targets: ['syslog', 'hec'],
            sim,
            log,
          });
        } catch (err) {
          results.peersError = err instanceof Error ? err.message : String(err);
          log(`peers: ${results.peersError}`);
        }
      }
      if (p.parts.has('limit')) {
        results.endToEnd = await runEndToEndBench(sim, {
          activities: p.peerActivities,
          rounds: p.rounds,
          formats: ['raw', 'ocsf'],
          log,
        });
        results.limit = runLimitChild(sim.url, p);
        for (const r of results.limit)
          log(`limit: ${r.case}: ${Math.round(r.perSecond).toLocaleString('en-US')}/s`);
      }
    } finally {
      await sim.stop();
    }
  }
  if (p.parts.has('memory') || p.parts.has('backfill')) {
    log(
      `prerendering ${p.backlog.toLocaleString('en-US')} activities (six months of history) for the memory and backfill runs`,
    );
    const sim = await SimulatorProcess.start(backlogSimulatorOptions(p.backlog));
    log(`simulator ready (${(sim.startMs / 1000).toFixed(0)} s)`);
    try {
      if (p.parts.has('memory'))
        results.memory = await runMemoryBench(sim, {
          activities: p.backlog,
          stallSeconds: p.stallSeconds,
          log,
        });
      if (p.parts.has('backfill'))
        results.backfill = await runBackfillBench(sim, {
          activities: p.backlog,
          concurrencies: p.backfillConcurrency,
          capSeconds: p.capSeconds,
          log,
        });
    } finally {
      await sim.stop();
    }
  }
  // A tenant of 50 000 activities a day; its size does not change between quick and full.
  if (p.parts.has('lane')) results.lane = await runLateLaneBench({ perDay: 50_000, log });
  if (p.parts.has('catchup')) results.catchUp = await runCatchUpBench({ perDay: 50_000, log });
  if (p.parts.has('routing')) {
    const activities = p.quick ? 50_000 : 100_000;
    const sim = await SimulatorProcess.start(peerSimulatorOptions(activities));
    try {
      results.routing = await runRoutingBench(sim, { activities, rounds: p.rounds, log });
    } finally {
      await sim.stop();
    }
  }
  if (p.parts.has('sentinel')) results.sentinel = await runSentinelBench(SENTINEL_BENCH(p));
  if (p.parts.has('elasticsearch'))
    results.elasticsearch = await runElasticsearchBench(ELASTICSEARCH_BENCH(p));
  if (p.parts.has('s3')) {
    const options = { events: p.quick ? 20_000 : 60_000, maxBytes: 16 * 1024 * 1024 };
    results.s3 = { rows: await runS3Bench(options), options };
  }
  results.loadEnd = loadAverage();
  results.minutes = (Date.now() - results.startedAt.getTime()) / 60_000;
  return results;
}

// ---- the report ------------------------------------------------------------------------

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const pass = (ok: boolean): string => (ok ? '✅ met' : '❌ not met');

function machine(): string {
  const cpu = cpus();
  let commit = '';
  try {
    commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO,
      encoding: 'utf8',
    }).stdout.trim();
  } catch {
    /* not a git checkout */
  }
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, commit ${commit || 'n/a'} (+ working tree)`;
}

function peersSection(r: Results): string[] {
  if (!r.peers)
    return [
      '## 1–2. Peer comparison with syslog-ng',
      '',
      `Not measured: ${r.peersError ?? 'not selected'}.`,
      '',
    ];
  const lines = ['## 1–2. Peer comparison with syslog-ng', ''];
  const rows = r.peers.summaries.map((s) => [
    s.target === 'syslog' ? 'syslog → rsyslog (TCP, octet counting)' : 'HEC → strict HEC receiver',
    int(s.forwarder.perSecond),
    int(s.syslogNg.perSecond),
    s.ratio.toFixed(2),
    s.steadyRatio.toFixed(2),
    `${s.forwarder.cpuPer100k.toFixed(2)} (of which simulator ${s.forwarder.sourceCpuPer100k.toFixed(2)})`,
    s.syslogNg.cpuPer100k.toFixed(2),
    `${s.forwarder.receiverCpuPer100k.toFixed(2)} / ${s.syslogNg.receiverCpuPer100k.toFixed(2)}`,
    pass(s.ratio >= 1),
  ]);
  lines.push(
    table(
      [
        'path',
        'forwarder /s',
        'syslog-ng /s',
        'ratio',
        'ratio w/o start-up',
        'forwarder CPU s / 100k',
        'syslog-ng CPU s / 100k',
        'receiver CPU s / 100k (fwd / sng)',
        'target ≥ 1.0',
      ],
      rows,
    ),
    '',
    `${r.peers.summaries[0]?.activities.toLocaleString('en-US')} activities per run, ${r.peers.summaries[0]?.rounds} rounds per side, alternating (ABBA), medians. syslog-ng ${r.peers.syslogNg}.`,
    '',
    '<details><summary>every run</summary>',
    '',
    table(
      [
        'path',
        'round',
        'side',
        'activities/s',
        'seconds',
        'sender CPU s',
        'receiver CPU s',
        'peak RSS MB',
        'load',
      ],
      r.peers.summaries.flatMap((s) =>
        s.runs.map((run) => [
          s.target,
          run.round,
          run.side,
          int(s.activities / run.seconds),
          run.seconds.toFixed(2),
          run.senderCpu.toFixed(2),
          run.receiverCpu.toFixed(2),
          run.peakRssMb?.toFixed(0) ?? '',
          run.load.toFixed(1),
        ]),
      ),
    ),
    '',
    '</details>',
    '',
  );
  return lines;
}

/**
 * The most any client of the Compliance API can read: 600 requests a minute (the tenant's
 * whole budget, which the end-to-end runs are given) of 5000 activities each.
 */
const API_CEILING_PER_SECOND = (600 / 60) * 5000;

function limitSection(r: Results): string[] {
  if (!r.limit || !r.endToEnd) return [];
  const limitOf = (c: string): LimitRow | undefined => r.limit?.find((l) => l.case === c);
  const rows = r.endToEnd.map((e) => {
    const limit = limitOf(
      e.format === 'raw' ? 'parse + raw' : e.format === 'ocsf' ? 'parse + OCSF' : 'parse + ECS',
    );
    const wall = limit ? e.perSecond / limit.perSecond : Number.NaN;
    const cpu = limit ? e.perForwarderCpuSecond / limit.perCpuSecond : Number.NaN;
    const steady = limit ? e.steadyPerSecond / limit.perSecond : Number.NaN;
    const attainable = Math.min(limit?.perSecond ?? Number.NaN, API_CEILING_PER_SECOND);
    return [
      e.format,
      int(limit?.perSecond ?? Number.NaN),
      int(e.perSecond),
      `${(wall * 100).toFixed(0)} %`,
      `${((attainable / (limit?.perSecond ?? Number.NaN)) * 100).toFixed(0)} %`,
      `${((e.perSecond / attainable) * 100).toFixed(0)} %`,
      int(e.steadyPerSecond),
      `${(steady * 100).toFixed(0)} %`,
      int(e.perForwarderCpuSecond),
      `${(cpu * 100).toFixed(0)} %`,
      e.runQueueSeconds.toFixed(2),
      e.peakRssMb.toFixed(0),
      pass(wall >= 0.5),
    ];
  });
  const peerRows = (r.peers?.summaries ?? []).map((s) => {
    const limit = limitOf(
      s.target === 'syslog' ? 'parse + raw + syslog frame' : 'parse + raw + HEC envelope',
    );
    return [
      `${s.target} (peer run, raw)`,
      int(limit?.perSecond ?? Number.NaN),
      int(s.forwarder.perSecond),
      limit ? `${((s.forwarder.perSecond / limit.perSecond) * 100).toFixed(0)} %` : '',
    ];
  });
  return [
    '## 3. The in-process limit, and end-to-end as a fraction of it',
    '',
    table(
      ['case (one thread, no I/O)', 'activities/s', 'per CPU-second'],
      r.limit.map((l) => [l.case, int(l.perSecond), int(l.perCpuSecond)]),
    ),
    '',
    'End to end: simulator (prerendered, own process) → `run --once` → file sink (fsync per batch), same activities, medians:',
    '',
    table(
      [
        'format',
        'limit /s',
        'end-to-end /s',
        'of the limit',
        'most any API client gets, of the limit',
        'end-to-end, of that',
        'steady /s (first to last write)',
        'of the limit (steady)',
        'end-to-end per forwarder CPU-s',
        'of the limit (CPU)',
        'waited for a CPU (s)',
        'peak RSS MB',
        'target ≥ 50 % (end-to-end)',
      ],
      rows,
    ),
    '',
    ...(peerRows.length
      ? [
          table(
            ['sink (from the peer runs)', 'limit incl. framing /s', 'end-to-end /s', 'of the limit'],
            peerRows,
          ),
          '',
        ]
      : []),
  ];
}

function memorySection(r: Results): string[] {
  if (!r.memory) return [];
  return [
    `## 4. Memory: ${r.memory[0]?.activities.toLocaleString('en-US')} activities in the API`,
    '',
    table(
      ['sink', 'node heap', 'peak RSS MB', 'end RSS MB', 'what happened', 'target < 200 MB'],
      r.memory.map((m) => [
        m.sink,
        m.heap === 'as shipped'
          ? 'as shipped (the claude-audit-forwarder command)'
          : 'node default heap (node bin/….js), for comparison',
        m.peakRssMb.toFixed(0),
        m.endRssMb.toFixed(0),
        m.detail,
        m.heap === 'as shipped' ? pass(m.peakRssMb < 200) : '–',
      ]),
    ),
    '',
    'Defaults everywhere (backfill_concurrency 8, max_buffered_events 10 000) except page_size 5000, the worst case for memory; six months of history in the API.',
    '',
  ];
}

function backfillSection(r: Results): string[] {
  if (!r.backfill) return [];
  const n = r.backfill[0]?.activities ?? 0;
  return [
    `## 5. Backfill: ${n.toLocaleString('en-US')} activities, the API's real rate limit (600/min) and 1–5 s per response`,
    '',
    `Bound set by our rate budget: ${n.toLocaleString('en-US')} / (page_size ${BACKFILL_PAGE_SIZE} × ${BACKFILL_REQUESTS_PER_MINUTE}/min ÷ 60) = **${backfillBoundSeconds(n).toFixed(0)} s** ` +
      `(max_requests_per_minute ${BACKFILL_REQUESTS_PER_MINUTE}, the default share of the tenant's 600).`,
    '',
    table(
      [
        'backfill_concurrency',
        'wall time',
        '× the bound',
        'API requests',
        '429s',
        'peak RSS MB',
        'target ≤ 1.5×',
      ],
      r.backfill.map((b) => [
        b.concurrency,
        `${b.seconds.toFixed(0)} s${b.projected ? ' (projected from its rate when stopped)' : ''}`,
        (b.seconds / b.boundSeconds).toFixed(2),
        b.requests,
        b.rateLimited,
        b.peakRssMb.toFixed(0),
        pass(b.seconds / b.boundSeconds <= 1.5),
      ]),
    ),
    '',
  ];
}

function laneSection(r: Results): string[] {
  if (!r.lane) return [];
  return [
    `## 6. Access Transparency late lane: its cost in the tenant's rate budget`,
    '',
    `A tenant of 50 000 activities a day, so ${int(r.lane[0]?.activitiesInWindow ?? 0)} in the 168 h sweep window; one sweep each way, sweep_interval 15 min, against max_requests_per_minute 120 (the default share).`,
    '',
    table(
      [
        'type filter',
        'requests per sweep',
        'sweep (s, at 600/min)',
        'requests per day',
        'of the 120/min share',
        'target ≤ 5 % (unfiltered)',
      ],
      r.lane.map((l) => [
        l.filter === 'client' ? 'refused by the API: read whole at 5000 a page' : 'accepted by the API',
        l.requestsPerSweep,
        l.sweepSeconds.toFixed(1),
        int(l.requestsPerDay),
        `${(l.shareOfBudget * 100).toFixed(2)} %`,
        l.filter === 'client' ? pass(l.shareOfBudget <= 0.05) : '–',
      ]),
    ),
    '',
  ];
}

function catchUpSection(r: Results): string[] {
  const c = r.catchUp;
  if (!c) return [];
  return [
    `## 7. A detached sink's catch-up: its cost in the tenant's rate budget`,
    '',
    `A tenant of ${int(c.perDay)} activities a day, two file sinks, one detached ${c.behindMinutes} minutes behind (issue #17); the CLI with the default source settings (poll_interval 30s, lookback 10m, page_size 1000) until that sink is attached again.`,
    '',
    table(
      [
        'behind',
        'activities re-read for it',
        'catch-up requests',
        'main lane requests meanwhile',
        'until attached (s)',
        'of one minute’s 120',
      ],
      [
        [
          `${c.behindMinutes} min`,
          int(c.delivered),
          c.catchUpRequests,
          c.mainRequests,
          c.seconds.toFixed(1),
          `${(c.shareOfMinute * 100).toFixed(1)} %`,
        ],
      ],
    ),
    '',
  ];
}

function routingSection(r: Results): string[] {
  if (!r.routing) return [];
  const overhead = routingOverhead(r.routing);
  return [
    '## 8. Per-sink filters (#20): CPU per activity, three filtered sinks against three unfiltered',
    '',
    table(
      ['sinks', 'activities', 'lines per sink', 'forwarder CPU µs / activity', 'activities/s'],
      r.routing.map((x) => [
        x.case === 'filtered'
          ? '3 × file (OCSF), each with a filter taking everything'
          : '3 × file (OCSF), no filter',
        int(x.activities),
        int(x.linesPerSink),
        x.cpuMicrosPerActivity.toFixed(1),
        int(x.perSecond),
      ]),
    ),
    '',
    `Filtered: ${(overhead * 100).toFixed(1)} % more CPU per activity (target ≤ 5 %: ${pass(overhead <= 0.05)}). The filters run every check (type globs, an exclusion, min_severity, which resolves the mapping) and leave nothing out, so both runs write the same bytes; a filter that leaves activities out costs less than none. \`run --once\` from the simulator, alternating the two cases, medians.`,
    '',
  ];
}

function s3Section(r: Results): string[] {
  if (!r.s3) return [];
  return [
    `## 10. S3 sink: building large objects (issue #22)`,
    '',
    formatS3Bench(r.s3.rows, r.s3.options),
    '',
  ];
}

/** The Sentinel sink into the strict Logs Ingestion receiver (bench/sentinel.bench.ts). */
const SENTINEL_BENCH = (p: Plan) => ({ events: p.quick ? 5000 : 20_000, batch: 500, concurrency: [1, 4, 8] });

function sentinelSection(p: Plan, r: Results): string[] {
  if (!r.sentinel) return [];
  return ['## 9. Microsoft Sentinel sink', '', formatSentinelBench(r.sentinel, SENTINEL_BENCH(p)), ''];
}

/** The Elasticsearch sink into one real node on this machine (bench/elasticsearch.bench.ts). */
const ELASTICSEARCH_BENCH = (p: Plan) => ({
  events: p.quick ? 10_000 : 30_000,
  batch: 1000,
  concurrency: 4,
  format: 'ecs' as const,
});

function elasticsearchSection(p: Plan, r: Results): string[] {
  if (!r.elasticsearch) return [];
  return [
    '## 11. Elasticsearch sink (issue #21): into a real node, against the API ceiling',
    '',
    formatElasticsearchBench(r.elasticsearch, ELASTICSEARCH_BENCH(p)),
    '',
  ];
}

function report(p: Plan, r: Results): string {
  const notes = readFileSync(join(__dirname, 'notes.md'), 'utf8');
  return [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench${p.quick ? ' -- --quick' : ''}\` on ${r.startedAt.toISOString()} in ${r.minutes?.toFixed(1)} min. ${machine()}. ` +
      `Load average ${r.loadStart.toFixed(1)} at the start, ${r.loadEnd?.toFixed(1)} at the end: the machine is shared, so read the CPU-seconds columns, which do not depend on what else runs, beside the wall-clock rates.`,
    '',
    ...peersSection(r),
    ...limitSection(r),
    ...memorySection(r),
    ...backfillSection(r),
    ...laneSection(r),
    ...catchUpSection(r),
    ...routingSection(r),
    ...sentinelSection(p, r),
    ...s3Section(r),
    ...elasticsearchSection(p, r),
    notes.trim(),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const p = plan();
  prepare(p);
  const results = await measure(p);
  const text = report(p, results);
  writeFileSync(join(__dirname, 'results.md'), text);
  process.stdout.write(`${text}\n`);
  log(`wrote bench/results.md (${results.minutes?.toFixed(1)} min)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
