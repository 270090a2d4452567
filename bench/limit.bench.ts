/**
 * Benchmark 3: the in-process limit — the work no forwarder of this design can skip, with
 * no I/O at all: JSON-parse the API's pages (with the checks and the per-activity text the
 * pipeline carries: src/source/client.ts `parsePage`) and serialize every activity in the
 * output format (`serializeEvent`). Also with each sink's framing (syslog frame, HEC
 * envelope), the per-event work of the peer comparisons. One thread, after a warm-up, over
 * the same activities the simulator serves the other benchmarks (same seed and size).
 *
 *   node --import tsx bench/limit.bench.ts [--activities 200000] [--seconds 3] [--url <simulator>] [--json]
 */
import { parseArgs } from 'node:util';
import { startSimulator } from '../src/simulator';
import { parsePage } from '../src/source/client';
import { serializeEvent } from '../src/normalize';
import type { OutputFormat } from '../src/config/fields';
import type { PipelineRecord } from '../src/pipeline/record';
import { SyslogEncoder } from '../src/sinks/syslog/encode';
import { encodeEnvelope } from '../src/sinks/splunk-hec/encode';
import { EVERY_ROW_VISIBLE } from '../src/simulator/access-transparency';

export interface LimitRow {
  readonly case: string;
  /** Activities per second of wall time on one thread. */
  readonly perSecond: number;
  /** Activities per CPU second (the same where the machine is idle; steadier where it is not). */
  readonly perCpuSecond: number;
}

/** Every page a simulator serves from `from` on, as the bodies the client receives: bytes. */
async function pageBodies(url: string, apiKey: string, from: string): Promise<Buffer[]> {
  const bodies: Buffer[] = [];
  let after: string | undefined;
  for (;;) {
    const q = new URLSearchParams({ 'created_at.gte': from, limit: '5000', order: 'asc' });
    if (after) q.set('after_id', after);
    const res = await fetch(`${url}/v1/compliance/activities?${q}`, { headers: { 'x-api-key': apiKey } });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200)
      throw new Error(`simulator answered ${res.status}: ${body.toString('utf8', 0, 200)}`);
    bodies.push(body);
    const page = JSON.parse(body.toString('utf8')) as { has_more: boolean; last_id: string | null };
    if (!page.has_more || !page.last_id) return bodies;
    after = page.last_id;
  }
}

/** The pages of a simulator already running (bench/run.ts), or of one started here. */
async function bodiesFor(options: LimitOptions): Promise<Buffer[]> {
  const from = new Date(Date.now() - 7 * 3_600_000).toISOString();
  if (options.url) return pageBodies(options.url, options.apiKey ?? 'sk-ant-api01-simulator-key', from);
  const sim = await startSimulator({
    seed: 7,
    backlog: options.activities,
    backlogWindowMs: 6 * 3_600_000,
    rateLimit: false,
    selfEvents: false,
    prerender: true,
    accessTransparency: EVERY_ROW_VISIBLE,
  });
  try {
    return await pageBodies(sim.url, sim.apiKey, from);
  } finally {
    await sim.close();
  }
}

export interface LimitOptions {
  readonly activities: number;
  readonly seconds: number;
  /** A running simulator to take the pages from (its backlog within the last 7 h). */
  readonly url?: string;
  readonly apiKey?: string;
}

/** Keeps outputs alive so the optimizer cannot drop the work. */
let checksum = 0;

function measure(
  name: string,
  bodies: readonly Buffer[],
  seconds: number,
  perActivity: (r: PipelineRecord) => string | Buffer,
): LimitRow {
  let seq = 0;
  const pass = (): number => {
    let n = 0;
    for (const body of bodies) {
      const page = parsePage(body);
      const raw = page.raw ?? [];
      for (let i = 0; i < page.activities.length; i++) {
        const out = perActivity({ seq: ++seq, activity: page.activities[i], raw: raw[i] });
        checksum = (checksum + out.length) | 0;
      }
      n += page.activities.length;
    }
    return n;
  };
  pass(); // warm-up: JIT and inline caches
  let events = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  while (events === 0 || process.hrtime.bigint() < deadline) events += pass();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const used = process.cpuUsage(cpu0);
  return { case: name, perSecond: events / wall, perCpuSecond: events / ((used.user + used.system) / 1e6) };
}

export async function runLimitBench(options: LimitOptions): Promise<LimitRow[]> {
  const bodies = await bodiesFor(options);
  const serialize = (format: OutputFormat) => (r: PipelineRecord) => serializeEvent(r, format);
  const syslog = new SyslogEncoder({
    format: 'rfc5424',
    payloadFormat: 'raw',
    framing: 'octet_counting',
    facility: 10,
    hostname: 'bench-host',
    appName: 'claude-audit-forwarder',
    procid: '1',
    enterpriseId: 32473,
    bom: true,
    maxMessageBytes: 64 * 1024,
  });
  const envelope = { format: 'raw' as const, host: 'bench-host', sourcetype: 'anthropic:claude:compliance' };
  return [
    measure('parse + raw', bodies, options.seconds, serialize('raw')),
    measure('parse + OCSF', bodies, options.seconds, serialize('ocsf')),
    measure('parse + ECS', bodies, options.seconds, serialize('ecs')),
    measure('parse + raw + syslog frame', bodies, options.seconds, (r) => syslog.encode(r).frame),
    measure('parse + raw + HEC envelope', bodies, options.seconds, (r) => encodeEnvelope(r, envelope).text),
  ];
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      activities: { type: 'string', default: '200000' },
      seconds: { type: 'string', default: '3' },
      url: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  runLimitBench({ activities: Number(values.activities), seconds: Number(values.seconds), url: values.url })
    .then((rows) => {
      if (values.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else
        for (const r of rows)
          process.stdout.write(
            `${r.case.padEnd(30)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(9)}/s  ${Math.round(r.perCpuSecond).toLocaleString('en-US').padStart(9)}/CPU-s\n`,
          );
      if (checksum === 0.5) process.stdout.write('\n');
    })
    .catch((err: unknown) => {
      process.stderr.write(`limit bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
}
