import type { FaultKind, FaultOptions, RequestLogEntry, SimulatorHandle } from '../../src/simulator';
import { startSimulator } from '../../src/simulator';
import { type ForwarderProcess, startCli, writeConfig } from '../../test/support/forwarder';
import {
  forwarderConfig,
  freePort,
  logLines,
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
 * Scenario 3: the Compliance API misbehaves while the forwarder tails it (file + HEC sinks).
 * Nothing may be lost and, with no crash involved, nothing duplicated; Retry-After is obeyed
 * to the millisecond and our request rate never exceeds max_requests_per_minute (counted
 * from the simulator's own request log); a refused key is said plainly.
 */
interface ApiFault {
  readonly label: string;
  readonly faults?: FaultOptions;
  /** Faults applied one after another, each for an equal share of the fault's duration. */
  readonly phases?: readonly FaultOptions[];
  /** The short (combined) run also scripts these, so each kind surely happens. */
  readonly script?: readonly (FaultKind | null)[];
  readonly source?: Record<string, unknown>;
  /** How long after the fault ends rows keep appearing (late-indexed rows). */
  readonly settleMs?: number;
  begin?(sim: SimulatorHandle): void;
  end?(sim: SimulatorHandle): void;
  /** Checks while the fault is on (the forwarder is running). */
  during?(row: Row, fwd: ForwarderProcess, metricsPort: number): Promise<void>;
  verify?(row: Row, requests: readonly RequestLogEntry[], stderr: string): void;
}

const RETRY_AFTER_S = 2;
/** Every rate at zero: merged under a phase's own rates, it ends the previous phase but keeps the script. */
const NO_FAULTS: FaultOptions = {
  errorRate: 0,
  fatalErrorRate: 0,
  rateLimitedRate: 0,
  malformedRate: 0,
  slowRate: 0,
  duplicateRate: 0,
  lateRate: 0,
  retryAfterSeconds: RETRY_AFTER_S,
  slowMs: 3000,
};
const RPM = 60;

/**
 * The reduced run (npm test) applies every fault kind in turn to one forwarder, and checks
 * each kind's evidence, instead of one run per kind.
 */
function combined(faults: readonly ApiFault[]): ApiFault {
  // Late rows first, while the forwarder is tailing: behind a 5xx backoff it would reach them
  // only after they became visible, and they would not be late for it at all.
  const withFaults = faults
    .filter((f) => f.faults)
    .sort((a, b) => Number(b.settleMs !== undefined) - Number(a.settleMs !== undefined));
  return {
    label: `every API fault in turn (${withFaults.length} kinds), our cap ${RPM}/min`,
    phases: withFaults.map((f) => f.faults!),
    // Scripted from the second phase on (a script survives phase changes until consumed), with
    // a clean request after each kind so one page's backoff does not grow past the run.
    script: withFaults.flatMap((f) => [...(f.script ?? []), null]),
    source: Object.assign({}, ...faults.map((f) => f.source ?? {})) as Record<string, unknown>,
    settleMs: Math.max(...faults.map((f) => f.settleMs ?? 0)),
    verify(row, requests, stderr) {
      for (const f of withFaults) f.verify?.(row, requests, stderr);
    },
  };
}

function apiFaults(full: boolean): ApiFault[] {
  const late = full ? 30_000 : 6_000;
  return [
    {
      label: `429 storm, retry-after ${RETRY_AFTER_S}s, our cap ${RPM}/min`,
      faults: { rateLimitedRate: 0.8, retryAfterSeconds: RETRY_AFTER_S },
      script: ['rate_limited', 'rate_limited', 'rate_limited'],
      source: { max_requests_per_minute: RPM },
      verify(row, requests) {
        const ours = requests.filter((r) => r.path.startsWith('/v1/compliance/activities'));
        // A request that arrived after a 429 had been answered, but before its retry-after
        // ran out, ignored it (requests already in flight when the 429 came back do not count).
        let early = 0;
        for (const r of ours.filter((q) => q.status === 429)) {
          const answered = r.time + r.durationMs;
          early += ours.filter(
            (q) => q.time > answered + 20 && q.time < answered + RETRY_AFTER_S * 1000 - 20,
          ).length;
        }
        const limited = ours.filter((r) => r.status === 429).length;
        check(row, limited > 0, 'no 429 was served: the storm did not happen');
        check(row, early === 0, `${early} requests came sooner than retry-after after a 429`);
        rateChecks(row, ours, RPM);
        row.notes.push(`${limited} × 429; every next request waited ≥ ${RETRY_AFTER_S}s (retry-after)`);
      },
    },
    {
      label: '5xx bursts (70% of requests)',
      faults: { errorRate: 0.7 },
      script: ['error_503', 'error_500', 'error_529'],
      verify(row, requests) {
        const errors = requests.filter((r) => r.status >= 500).length;
        check(row, errors > 0, 'no 5xx was served');
        row.notes.push(`${errors} × 5xx answered, retried with backoff`);
      },
    },
    {
      label: 'slow responses and timeouts',
      faults: { slowRate: 0.5, slowMs: 3000 },
      script: ['slow'],
      source: { request_timeout: '1s' },
      verify(row, _requests, stderr) {
        const timeouts = logLines(stderr).filter((l) =>
          /timeout|ECONNABORTED/i.test(String(l.error ?? '')),
        ).length;
        check(row, timeouts > 0, 'no request timed out: the slow responses did not happen');
        row.notes.push(
          `${timeouts} requests hung past request_timeout 1s (the simulator held them 3 s), were abandoned and retried`,
        );
      },
    },
    {
      label: 'truncated / malformed JSON pages',
      faults: { malformedRate: 0.5 },
      script: ['truncated_json', 'html_200'],
      verify(row, _requests, stderr) {
        const malformed = logLines(stderr).filter((l) => /malformed page/.test(String(l.error ?? ''))).length;
        check(row, malformed > 0, 'no malformed page was noticed');
        row.notes.push(
          `${malformed} malformed pages (truncated JSON, not JSON, HTML) refused and fetched again`,
        );
      },
    },
    {
      label: 'x-should-retry: false 500s',
      faults: { fatalErrorRate: 0.4 },
      script: ['fatal_500'],
      verify(row, _requests, stderr) {
        const failed = logLines(stderr).filter((l) =>
          /failed deterministically/.test(l.message + String(l.error ?? '')),
        ).length;
        check(row, failed > 0, 'no deterministic 500 was noticed');
        row.notes.push(
          `${failed} cycles ended on a deterministic 500 and the next poll cycle read the window again`,
        );
      },
    },
    {
      label: 'late-indexed rows and duplicate rows across pages',
      faults: { lateRate: 0.3, lateDelayMs: late, duplicateRate: 0.5 },
      script: ['duplicate', 'duplicate'],
      settleMs: late,
      verify(row, _requests, stderr) {
        const caught = logLines(stderr)
          .filter((l) => l.message === 'poll cycle complete')
          .reduce((n, l) => n + Number(l.late_caught ?? 0), 0);
        const suppressed = logLines(stderr)
          .filter((l) => l.message === 'poll cycle complete')
          .reduce((n, l) => n + Number(l.duplicates_suppressed ?? 0), 0);
        check(row, caught > 0, 'no late-indexed row was caught behind the cursor');
        row.notes.push(
          `${caught} late-indexed rows caught behind the cursor (visible ${late / 1000}s late, lookback 1m); ${suppressed} re-served rows suppressed`,
        );
      },
    },
    {
      label: 'API key revoked mid-run, then restored',
      begin: (sim) => sim.revokeKey(sim.apiKey),
      end: (sim) => sim.restoreKey(sim.apiKey),
      async during(row, fwd, metricsPort) {
        await sleep(2000);
        const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then(
          async (r) => ({ status: r.status, body: await r.text() }),
          () => undefined,
        );
        check(
          row,
          fwd.running,
          'the forwarder exited when the key was revoked mid-run (a restored key should need no restart)',
        );
        if (ready) {
          check(row, ready.status !== 200, `/readyz said ${ready.status} while every request was refused`);
          row.notes.push(
            `while revoked: /readyz ${ready.status} ${ready.body.slice(0, 120).replace(/\s+/g, ' ')}`,
          );
        } else row.notes.push('while revoked: /readyz not reachable');
      },
      verify(row, requests, stderr) {
        const refused = requests.filter((r) => r.status === 401).length;
        const said = logLines(stderr).filter(
          (l) => l.level === 'error' && /401/.test(l.message) && /revoked|invalid|expired/.test(l.message),
        );
        check(row, refused > 0, 'no request was refused: the key was not revoked');
        check(row, said.length >= 1, 'the refused key was not reported as an error naming 401');
        check(
          row,
          said.length <= 3,
          `the refused key was reported ${said.length} times (once, not per poll, is enough)`,
        );
        row.notes.push(
          `${refused} × 401 while revoked; reported as: "${said[0]?.message.slice(0, 110) ?? '(nothing)'}…"`,
        );
      },
    },
  ];
}

/** Our share of the tenant's limit: spacing and the per-minute count, from the server's log. */
function rateChecks(row: Row, ours: readonly RequestLogEntry[], rpm: number): void {
  const minGap = 60_000 / rpm;
  let tooClose = 0;
  let smallest = Infinity;
  for (let i = 1; i < ours.length; i++) {
    const gap = ours[i].time - ours[i - 1].time;
    smallest = Math.min(smallest, gap);
    if (gap < minGap - 250) tooClose++;
  }
  let worstMinute = 0;
  for (let i = 0, j = 0; i < ours.length; i++) {
    while (ours[i].time - ours[j].time >= 60_000) j++;
    worstMinute = Math.max(worstMinute, i - j + 1);
  }
  // Ten seconds hold at most 10 s / spacing + 1 requests, however the arrivals jitter.
  let worstTen = 0;
  for (let i = 0, j = 0; i < ours.length; i++) {
    while (ours[i].time - ours[j].time >= 10_000) j++;
    worstTen = Math.max(worstTen, i - j + 1);
  }
  const tenCap = Math.floor(10_000 / minGap) + 1;
  // Arrival times are when the (busy) simulator got round to each request: allow some jitter.
  check(
    row,
    tooClose === 0,
    `${tooClose} requests came closer than ${minGap} ms to the previous one (smallest gap ${smallest} ms)`,
  );
  check(row, worstTen <= tenCap, `${worstTen} requests in 10 s, above the ${tenCap} our cap allows`);
  check(
    row,
    worstMinute <= rpm,
    `${worstMinute} requests in one minute, above max_requests_per_minute ${rpm}`,
  );
  row.notes.push(
    `requests: ${ours.length}, at most ${worstMinute} in any 60 s and ${worstTen} in any 10 s (cap ${rpm}/min), smallest gap ${smallest} ms (spacing ${minGap} ms)`,
  );
}

async function runFault(ctx: ChaosContext, fault: ApiFault, index: number): Promise<Row> {
  const row = newRow(`3${String.fromCharCode(97 + index)}. ${fault.label}`);
  const dir = scenarioDir('api');
  const sim = await startSimulator({
    seed: 300 + index,
    backlog: ctx.full ? 3000 : 1000,
    backlogWindowMs: 2 * 3600_000,
    rate: 10,
  });
  const set = await makeSinks({
    servers: ctx.servers,
    dir,
    tag: `api${index}-${Date.now()}`,
    kinds: ['file', 'hec'],
  });
  try {
    const metricsPort = await freePort();
    // Cycles must be quicker than the late delay, or a late row is simply read by the next
    // window after it became visible (not late for us): a short lookback, big pages.
    const config = writeConfig(
      dir,
      await forwarderConfig({
        sim,
        dir,
        sinks: set,
        source: { page_size: 500, lookback: '1m', ...fault.source },
        metricsPort,
      }),
    );
    const fwd = startCli(['run', '-c', config], { from: 'built' });
    const file = set.get('file')!;
    const flowing = Date.now() + 60_000;
    while ((await file.count()) < 100 && fwd.running && Date.now() < flowing) await sleep(200);
    if (fault.faults) sim.setFaults(fault.faults);
    fault.begin?.(sim);
    const phases = fault.phases ?? [];
    const duration = ctx.full ? 60_000 : phases.length > 0 ? 5_000 * phases.length : 8_000;
    const started = Date.now();
    const until = started + duration;
    const during = fault.during?.(row, fwd, metricsPort);
    let phase = -1;
    while (Date.now() < until && fwd.running) {
      const now = Math.min(
        phases.length - 1,
        Math.floor(((Date.now() - started) / duration) * phases.length),
      );
      if (phases.length > 0 && now !== phase) {
        phase = now;
        sim.setFaults({
          ...NO_FAULTS,
          ...phases[phase],
          ...(phase === 1 && fault.script ? { script: fault.script } : {}),
        });
      }
      await sleep(100);
    }
    await during;
    const alive = fwd.running;
    // Rates off; a script not yet consumed (the combined run) still plays out during catch-up.
    sim.setFaults(NO_FAULTS);
    fault.end?.(sim);
    check(row, alive, `the forwarder exited during the fault: ${tail(fwd.stderr())}`);
    sim.setRate(0);
    await sleep(2200 + (fault.settleMs ?? 0));
    const cutoff = Date.now();
    const expected = offeredIds(sim, cutoff);
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
    for (const l of logLines(fwd.stderr()).filter((l) => /^sink detached/.test(l.message)))
      row.notes.push(`sinks.${String(l.sink)} detached: ${String(l.reason)}`);
    await tally(row, set, expected);
    row.duplicateBound = '0';
    check(
      row,
      row.duplicates === 0,
      `${row.duplicates} duplicates without any crash (dedupe by id should prevent them)`,
    );
    fault.verify?.(row, sim.requests(), fwd.stderr());
  } finally {
    await set.close();
    await sim.close();
  }
  return row;
}

/** A key refused from the start: a clear stop, exit code 1, nothing delivered. */
async function refusedAtStart(ctx: ChaosContext): Promise<Row> {
  const row = newRow('3h. expired key at start-up');
  const dir = scenarioDir('api-key');
  const sim = await startSimulator({ seed: 399, backlog: 100, backlogWindowMs: 3600_000 });
  const set = await makeSinks({ servers: ctx.servers, dir, tag: `apikey-${Date.now()}`, kinds: ['file'] });
  try {
    sim.revokeKey(sim.apiKey);
    const config = writeConfig(dir, await forwarderConfig({ sim, dir, sinks: set }));
    const fwd = startCli(['run', '-c', config], { from: 'built' });
    const timer = setTimeout(() => void fwd.kill9(), 60_000);
    const exit = await fwd.exited;
    clearTimeout(timer);
    const said = logLines(fwd.stderr()).find((l) => l.level === 'error' && /401/.test(l.message));
    check(
      row,
      exit.code === 1,
      `expected exit code 1 for a refused key, got ${exit.code ?? exit.signal}: ${tail(fwd.stderr())}`,
    );
    check(
      row,
      said !== undefined && /source\.api_key/.test(said.message),
      'the error does not say what to fix (source.api_key)',
    );
    check(row, (await set.get('file')!.count()) === 0, 'something was delivered with a refused key');
    row.notes.push(`exit ${exit.code}: "${said?.message.slice(0, 140) ?? ''}…"`);
    row.delivered.file = 0;
  } finally {
    await set.close();
    await sim.close();
  }
  return row;
}

export const apiFaultScenario: Scenario = {
  id: 'api',
  title: 'API faults: 429 storms, 5xx, timeouts, malformed pages, late and duplicate rows, revoked keys',
  needs: {},
  async run(ctx) {
    const rows: Row[] = [];
    const all = apiFaults(ctx.full);
    // The key revocation stays a run of its own: it needs the other faults off.
    const list = ctx.full ? all : [combined(all.filter((f) => f.faults)), ...all.filter((f) => !f.faults)];
    for (let i = 0; i < list.length; i++) {
      ctx.log(`  API fault: ${list[i].label}`);
      rows.push(await runFault(ctx, list[i], i));
    }
    rows.push(await refusedAtStart(ctx));
    return rows;
  },
};
