import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../../src/simulator';
import {
  HOSTILE_ID_PREFIX,
  startHostileApi,
  type HostileApi,
  type HostileTrick,
} from '../../test/support/hostile-api';
import { type ForwarderProcess, startCli, writeConfig } from '../../test/support/forwarder';
import {
  forwarderConfig,
  freePort,
  offeredIds,
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
 * Scenario 8: a hostile or buggy Compliance API (issue #15). A front spoils the simulator's
 * answers one trick at a time while the forwarder, started as shipped (its heap bounded by
 * the command), tails the feed: a row dated 2999, a created_at that is not a time, an endless
 * body, a gzip bomb, a 4 MB field, 50 000 rows for a smaller limit, a trickling body, a
 * Retry-After of 20 days and a rate-limit reset dated 2999. Each may cost a retry, never the
 * process or an activity: every real row reaches the sink, invented rows go to the
 * dead-letter file, memory stays under the bound, the metrics count what was refused or
 * capped, and /readyz turns red while nothing is read.
 */
const MAX_WAIT = '3s';
const REQUEST_TIMEOUT = '2s';
/** The backpressure scenario's target for the command's bounded heap. */
const RSS_TARGET_MB = 200;
const P = 'claude_audit_forwarder_';

async function metric(port: number, name: string, labels: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${P}${name}{`) && line.includes(labels)) sum += Number(line.split(' ').at(-1));
  return sum;
}

async function readyz(port: number): Promise<{ status: number; detail: string }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = (await r.json()) as { checks?: { source?: { detail?: string } } };
    return { status: r.status, detail: body.checks?.source?.detail ?? '' };
  } catch {
    return { status: 0, detail: '' };
  }
}

/** Plays `tricks` and waits until each has been served (a row trick waits for a page with room). */
async function play(
  hostile: HostileApi,
  fwd: ForwarderProcess,
  tricks: readonly HostileTrick[],
  timeoutMs: number,
): Promise<boolean> {
  const before = hostile.played.length;
  hostile.play(tricks);
  const deadline = Date.now() + timeoutMs;
  while (hostile.played.length < before + tricks.length && fwd.running && Date.now() < deadline)
    await sleep(100);
  return hostile.played.length >= before + tricks.length;
}

async function hostileApiRun(ctx: ChaosContext): Promise<Row> {
  const row = newRow('8. hostile API: every trick in turn, as shipped');
  const dir = scenarioDir('hostile-api');
  const sim = await startSimulator({
    seed: 800,
    backlog: ctx.full ? 3000 : 600,
    backlogWindowMs: 2 * 3600_000,
    rate: 5,
  });
  const hostile = await startHostileApi(sim.url);
  const set = await makeSinks({
    servers: ctx.servers,
    dir,
    tag: `hostile-api-${Date.now()}`,
    kinds: ['file'],
  });
  try {
    const metricsPort = await freePort();
    const base = await forwarderConfig({ sim, dir, sinks: set, metricsPort });
    const source = {
      ...(base.source as Record<string, unknown>),
      base_url: hostile.url,
      page_size: 200,
      max_wait: MAX_WAIT,
      request_timeout: REQUEST_TIMEOUT,
    };
    const config = writeConfig(dir, { ...base, source });
    const fwd = startCli(['run', '-c', config], { from: 'built', asShipped: true });
    const file = set.get('file')!;
    const flowing = Date.now() + 60_000;
    while ((await file.count()) < 100 && fwd.running && Date.now() < flowing) await sleep(200);

    const tricks: HostileTrick[] = [
      'future_row',
      'bad_created_at',
      'giant_field',
      'endless_body',
      'gzip_bomb',
      'oversized_page',
      'huge_retry_after',
      'reset_2999',
    ];
    for (const trick of tricks) {
      const served = await play(hostile, fwd, [trick], 30_000);
      check(row, served, `${trick}: never served (the forwarder stopped asking?)`);
      ctx.log(`hostile-api: ${trick} served`);
    }
    // A trickle on every request for a while: each dies at request_timeout, and once nothing
    // has succeeded for 2 × (poll_interval + request_timeout) the source turns red.
    hostile.play(Array.from({ length: 5 }, () => 'trickle' as const));
    let red = '';
    const redBy = Date.now() + 40_000;
    while (!red && fwd.running && Date.now() < redBy) {
      const r = await readyz(metricsPort);
      if (r.status === 503 && /no Compliance API request has succeeded/.test(r.detail)) red = r.detail;
      else await sleep(250);
    }
    check(row, red !== '', '/readyz never turned red while every answer trickled');
    const greenBy = Date.now() + 90_000;
    while (
      fwd.running &&
      Date.now() < greenBy &&
      (hostile.pending() > 0 || (await readyz(metricsPort)).status !== 200)
    )
      await sleep(250);
    check(
      row,
      (await readyz(metricsPort)).status === 200,
      '/readyz did not turn green again once pages were read',
    );
    check(row, fwd.running, `the forwarder exited: ${tail(fwd.stderr())}`);

    const rejectedOutside = await metric(metricsPort, 'source_rejected_total', 'reason="outside_window"');
    const rejectedTime = await metric(metricsPort, 'source_rejected_total', 'reason="bad_created_at"');
    const rejectedSize = await metric(metricsPort, 'source_rejected_total', 'reason="oversized"');
    const capped = await metric(metricsPort, 'api_waits_capped_total', '');
    const oversizedRetries = await metric(metricsPort, 'api_retries_total', 'reason="oversized_response"');
    check(
      row,
      rejectedOutside >= 1 && rejectedTime >= 1 && rejectedSize >= 1,
      `source_rejected_total: outside_window ${rejectedOutside}, bad_created_at ${rejectedTime}, oversized ${rejectedSize} (each ≥ 1 expected)`,
    );
    check(row, capped >= 2, `api_waits_capped_total ${capped} (Retry-After and reset: ≥ 2 expected)`);
    check(
      row,
      oversizedRetries >= 2,
      `api_retries_total{reason="oversized_response"} ${oversizedRetries} (endless body and gzip bomb: ≥ 2 expected)`,
    );

    sim.setRate(0);
    await sleep(2200);
    const expected = offeredIds(sim, Date.now());
    const missing = await waitForDelivery(set, expected, {
      timeoutMs: ctx.full ? 180_000 : 90_000,
      forwarder: fwd,
    });
    const exit = await fwd.stop();
    check(
      row,
      exit.code === 0,
      `did not stop cleanly (exit ${exit.code ?? exit.signal}); missing ${JSON.stringify(missing)}: ${tail(fwd.stderr())}`,
    );
    row.peakRssMb = fwd.peakRssMb();
    check(
      row,
      row.peakRssMb < RSS_TARGET_MB,
      `peak RSS ${row.peakRssMb.toFixed(0)} MB (target < ${RSS_TARGET_MB} MB)`,
    );
    await tally(row, set, expected);
    const delivered = await file.ids();
    check(row, !delivered.some((id) => id.startsWith(HOSTILE_ID_PREFIX)), 'an invented row was delivered');
    const dead = readFileSync(join(dir, 'data', 'dead-letter.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { sink: string; activity_id: string; reason: string });
    const fromSource = dead.filter((d) => d.sink === 'source' && d.activity_id.startsWith(HOSTILE_ID_PREFIX));
    check(
      row,
      fromSource.length >= 3,
      `${fromSource.length} invented rows in the dead-letter file (future, bad created_at, giant: ≥ 3 expected)`,
    );
    row.notes.push(
      `tricks served: ${hostile.played.join(', ')}; dead-lettered by the source: ${fromSource.length}; waits capped: ${capped}; oversized answers retried: ${oversizedRetries}; /readyz while trickling: "${red.slice(0, 90)}"`,
    );
  } finally {
    await set.close();
    await hostile.close();
    await sim.close();
  }
  return row;
}

export const hostileApi: Scenario = {
  id: 'hostile-api',
  title: 'A hostile Compliance API costs a retry, never the process or the trail',
  needs: {},
  async run(ctx) {
    return [await hostileApiRun(ctx)];
  },
};
