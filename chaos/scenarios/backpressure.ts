import { startSimulator } from '../../src/simulator';
import { startCli, writeConfig } from '../../test/support/forwarder';
import {
  forwarderConfig,
  scenarioDir,
  sleep,
  tail,
  type ChaosContext,
  type Scenario,
} from '../support/harness';
import { check, newRow, type Row } from '../support/report';
import { SyslogCounter } from '../support/syslog-counter';
import { EVERY_ROW_VISIBLE } from '../../src/simulator/access-transparency';

/**
 * Scenario 4: the only sink accepts nothing (its receiver stops reading) while the API holds
 * a million activities. The poller must stop fetching once the buffer is full, the process
 * must stay flat in memory however long the stall lasts, and when the receiver reads again
 * every activity arrives. Measured on the forwarder as it ships: the `claude-audit-forwarder`
 * command (plain node, no tsx, the heap bounded by the command), and — full run only — with
 * node's default heap, to show what the bound buys.
 */
interface Variant {
  readonly label: string;
  /** Through the command (its heap bound), or `node <entry>` with node's default heap. */
  readonly asShipped: boolean;
}

async function stallAndRecover(
  ctx: ChaosContext,
  variant: Variant,
  activities: number,
  stallMs: number,
): Promise<Row> {
  const row = newRow(
    `4. backpressure: receiver stalled, ${activities.toLocaleString('en')} in the API (${variant.label})`,
  );
  const dir = scenarioDir('backpressure');
  // Every backlog row visible now: the run waits for all of them (late Access Transparency rows are late-access-transparency.ts's).
  const sim = await startSimulator({
    seed: 400,
    backlog: activities,
    backlogWindowMs: 6 * 3600_000,
    rate: 0,
    selfEvents: false,
    accessTransparency: EVERY_ROW_VISIBLE,
  });
  const receiver = new SyslogCounter();
  await receiver.start();
  receiver.stall();
  try {
    const sinks = {
      siem: {
        type: 'syslog',
        address: `127.0.0.1:${receiver.port}`,
        transport: 'tcp',
        format: 'rfc5424',
        payload_format: 'ocsf',
        retry: { initial_backoff: '200ms', max_backoff: '5s' },
      },
    };
    // Defaults everywhere else (max_buffered_events 10000, page_size 1000, backfill_concurrency 8).
    const config = writeConfig(
      dir,
      await forwarderConfig({
        sim,
        dir,
        sinks,
        source: { start_at: '7h', page_size: 1000, max_requests_per_minute: 600 },
        pipeline: { max_buffered_events: 10_000 },
        log: { level: 'warn' },
      }),
    );
    const fwd = startCli(['run', '-c', config], { from: 'built', asShipped: variant.asShipped });
    // While its sinks hold it back, the forwarder still asks for the newest activity once per
    // poll_interval (source/api-probe.ts, so readiness sees an API outage): those are not pages.
    const isProbe = (path: string): boolean => /[?&]limit=1(&|$)/.test(path) && !/after_id=/.test(path);
    const requestsAt = (): number => sim.requests().filter((r) => !isProbe(r.path)).length;
    const probesAt = (): number => sim.requests().filter((r) => isProbe(r.path)).length;
    const started = Date.now();
    await sleep(stallMs / 2);
    const midRequests = requestsAt();
    const midRss = fwd.rssSamples().at(-1)?.rssMb ?? 0;
    await sleep(stallMs / 4);
    const lateRequests = requestsAt();
    const lateProbes = probesAt();
    await sleep(stallMs / 4);
    const endRequests = requestsAt();
    const lastQuarterProbes = probesAt() - lateProbes;
    // What a stalled pipeline may still fetch: the pages that fill max_buffered_events, the
    // page held back in push(), the read-ahead of the backfill slices (2 x concurrency 8, plus
    // one for the slice being read), and a few more requests: the start-up probe of the
    // checkpoint's organization and a retry or two.
    const fetchBound = Math.ceil(10_000 / 1000) + 1 + (2 * 8 + 1) + 4;
    const stallSamples = fwd.rssSamples().filter((s) => s.atMs >= stallMs / 2);
    const stallMax = Math.max(...stallSamples.map((s) => s.rssMb));
    const stallPeak = fwd.peakRssMb();
    check(row, fwd.running, `the forwarder exited while the receiver was stalled: ${tail(fwd.stderr())}`);
    check(
      row,
      endRequests <= fetchBound,
      `the poller fetched ${endRequests} pages while nothing was delivered (a full buffer is ${fetchBound} at most)`,
    );
    check(
      row,
      endRequests === lateRequests,
      `the poller was still fetching in the last quarter of the stall (${endRequests - lateRequests} requests)`,
    );
    // poll_interval 500 ms (chaos harness): a probe every half second at most, plus one in flight.
    const probeBound = Math.ceil(stallMs / 4 / 500) + 1;
    check(
      row,
      lastQuarterProbes <= probeBound,
      `the held-back poller probed the API ${lastQuarterProbes} times in the last quarter of the stall (one per poll_interval: ${probeBound} at most)`,
    );
    check(
      row,
      stallMax <= midRss * 1.1 + 5,
      `RSS grew during the stall: ${midRss.toFixed(0)} MB at mid-stall, up to ${stallMax.toFixed(0)} MB after`,
    );
    if (variant.asShipped)
      check(row, stallPeak < 200, `peak RSS ${stallPeak.toFixed(0)} MB during the stall (target < 200 MB)`);
    row.notes.push(
      `stall of ${stallMs / 1000} s: the poller stopped after ${endRequests} pages (${midRequests} by mid-stall, none in the last quarter; bound ${fetchBound}; ${lastQuarterProbes} one-row probes of the API in that quarter); RSS ${midRss.toFixed(0)} MB at mid-stall, ≤ ${stallMax.toFixed(0)} MB after, peak ${stallPeak.toFixed(0)} MB`,
    );

    receiver.resume();
    const recovered = Date.now();
    const deadline = recovered + (ctx.full ? 900_000 : 240_000);
    let lastLog = 0;
    while (receiver.unique < activities && fwd.running && Date.now() < deadline) {
      await sleep(500);
      if (Date.now() - lastLog > 15_000) {
        ctx.log(
          `  ${receiver.unique.toLocaleString('en')} / ${activities.toLocaleString('en')} delivered, RSS ${fwd.rssSamples().at(-1)?.rssMb.toFixed(0)} MB`,
        );
        lastLog = Date.now();
      }
    }
    const seconds = (Date.now() - recovered) / 1000;
    const exit = await fwd.stop();
    check(
      row,
      exit.code === 0,
      `did not stop cleanly (exit ${exit.code ?? exit.signal}): ${tail(fwd.stderr())}`,
    );
    const expected = sim.allIds();
    let lost = 0;
    let duplicates = 0;
    for (const id of expected) {
      const n = receiver.counts.get(id) ?? 0;
      if (n === 0) lost++;
      else duplicates += n - 1;
    }
    row.offered = expected.length;
    row.delivered.syslog = expected.length - lost;
    row.delivered.file = row.delivered.hec = row.delivered.kafka = '–';
    row.lost = lost;
    row.duplicates = duplicates;
    row.duplicateBound = 'in flight';
    row.peakRssMb = fwd.peakRssMb();
    check(row, lost === 0, `${lost} activities never arrived after the receiver recovered`);
    if (variant.asShipped)
      check(
        row,
        row.peakRssMb < 200,
        `peak RSS ${row.peakRssMb.toFixed(0)} MB over the whole run (target < 200 MB)`,
      );
    else
      row.notes.push(
        'no memory target for this row: node started without the command, to show what its heap bound buys',
      );
    row.notes.push(
      `${variant.asShipped ? 'the claude-audit-forwarder command' : 'node with its default heap'}; after recovery: ${(activities / seconds).toFixed(0)} activities/s for ${seconds.toFixed(0)} s over ${receiver.connections} connections; peak RSS ${row.peakRssMb.toFixed(0)} MB; ${Math.round((Date.now() - started) / 1000)} s in all`,
    );
  } finally {
    await receiver.stop();
    await sim.close();
  }
  return row;
}

export const backpressure: Scenario = {
  id: 'backpressure',
  title: 'backpressure: a stalled sink, a million activities waiting, flat memory',
  needs: {},
  async run(ctx) {
    const activities = ctx.full ? 1_000_000 : 100_000;
    const stallMs = ctx.full ? 60_000 : 16_000;
    const rows = [await stallAndRecover(ctx, { label: 'as shipped', asShipped: true }, activities, stallMs)];
    if (ctx.full)
      rows.push(
        await stallAndRecover(
          ctx,
          { label: 'node default heap, for comparison', asShipped: false },
          activities,
          stallMs,
        ),
      );
    return rows;
  },
};
