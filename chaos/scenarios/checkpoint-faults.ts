import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type SimulatorHandle } from '../../src/simulator';
import { runCli, startCli, writeConfig } from '../../test/support/forwarder';
import {
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
import { mountTmpfs } from '../support/mounts';
import { check, newRow, type Row } from '../support/report';
import { makeSinks, type SinkSet } from '../support/sinks';

/**
 * Scenario 5: the checkpoint itself goes wrong. A corrupt, truncated or foreign checkpoint
 * must stop `run` and `checkpoint show` with exit code 1 and a message that says what is
 * wrong and what to do — never a silent reset (re-sending years) or a silent skip; once the
 * operator restores it, nothing is lost or duplicated. A data directory that cannot be
 * written stops a starting forwarder at once (exit 2, the check `validate` makes too, before
 * anything starts); one that turns read-only mid-run holds
 * delivery at the buffer (no more than a buffer to re-send), says so, and resumes.
 */
interface Damage {
  readonly label: string;
  /** What the message must say. */
  readonly expect: RegExp;
  damage(
    path: string,
    good: string,
    ctx: { sim: SimulatorHandle },
  ): Promise<SimulatorHandle | void> | SimulatorHandle | void;
}

const DAMAGES: readonly Damage[] = [
  {
    label: 'corrupt checkpoint (garbage bytes)',
    expect: /corrupt or truncated/,
    damage: (path) => writeFileSync(path, '\u0000\u0013garbage{{{'),
  },
  {
    label: 'truncated checkpoint (cut in half)',
    expect: /corrupt or truncated/,
    damage: (path, good) => writeFileSync(path, good.slice(0, Math.floor(good.length / 2))),
  },
  {
    label: 'checkpoint of another source (base_url)',
    expect: /belongs to another source/,
    damage: (path, good) =>
      writeFileSync(
        path,
        good.replace(/"base_url":"[^"]*"/, '"base_url":"https://api.other-deployment.example"'),
      ),
  },
];

async function onceRun(config: string): Promise<{ code: number | null; stderr: string; peak: number }> {
  const r = await runCli(['run', '--once', '-c', config], { from: 'built', timeoutMs: 180_000 });
  return { code: r.code, stderr: r.stderr, peak: r.peakRssMb };
}

/** Refusal checks shared by every damaged-checkpoint row. */
async function expectRefusal(
  row: Row,
  config: string,
  path: string,
  expect: RegExp,
  set: SinkSet,
  offline: boolean,
): Promise<void> {
  const before = readFileSync(path);
  const delivered = await set.sinks[0].count();
  const run = await onceRun(config);
  const message = run.stderr.split('\n').find((l) => expect.test(l)) ?? '';
  check(row, run.code === 1, `run exited ${run.code}, expected 1: ${tail(run.stderr, 4)}`);
  check(row, message !== '', `run did not say why (${expect}): ${tail(run.stderr, 4)}`);
  check(
    row,
    message.includes(path) && /checkpoint reset/.test(message),
    'the message names neither the file nor the way out (checkpoint reset)',
  );
  check(row, readFileSync(path).equals(before), 'the damaged checkpoint was overwritten (a silent reset)');
  check(
    row,
    (await set.sinks[0].count()) === delivered,
    'activities were delivered from a checkpoint that was refused',
  );
  const show = await runCli(['checkpoint', 'show', '-c', config], { from: 'built', timeoutMs: 60_000 });
  if (offline)
    check(
      row,
      show.code === 1 && expect.test(show.stderr),
      `checkpoint show exited ${show.code} with: ${tail(show.stderr, 2)}`,
    );
  // `checkpoint show` reads the file only; which organization it belongs to takes the API.
  else check(row, show.code === 0, `checkpoint show (offline) exited ${show.code}: ${tail(show.stderr, 2)}`);
  row.notes.push(
    `run and checkpoint show exit 1: "${message.replace(/^claude-audit-forwarder: /, '').slice(0, 150)}…"`,
  );
}

async function damagedRows(ctx: ChaosContext): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = scenarioDir('checkpoint');
  let sim = await startSimulator({ seed: 500, backlog: 600, backlogWindowMs: 3600_000, selfEvents: false });
  const port = sim.port;
  const set = await makeSinks({ servers: ctx.servers, dir, tag: `cp-${Date.now()}`, kinds: ['file'] });
  const config = writeConfig(
    dir,
    await forwarderConfig({ sim, dir, sinks: set, source: { start_at: '2h' } }),
  );
  const path = join(dir, 'data', 'checkpoint.json');
  try {
    const first = await onceRun(config);
    if (first.code !== 0) throw new Error(`the first run failed: ${tail(first.stderr)}`);
    const damages: Damage[] = [
      ...DAMAGES,
      {
        label: 'checkpoint of another organization (same URL)',
        expect: /another organization|belongs to another|not in this source/,
        // Another tenant behind the same base URL (api.anthropic.com serves every tenant):
        // its history before our watermark would be skipped if the checkpoint were taken.
        damage: async () => {
          await sim.close();
          sim = await startSimulator({
            seed: 501,
            port,
            backlog: 600,
            backlogWindowMs: 3600_000,
            selfEvents: false,
          });
          return sim;
        },
      },
    ];
    for (const [i, d] of damages.entries()) {
      const row = newRow(`5${String.fromCharCode(97 + i)}. ${d.label}`);
      const good = readFileSync(path, 'utf8');
      sim.append(50);
      const replaced = await d.damage(path, good, { sim });
      await expectRefusal(row, config, path, d.expect, set, !replaced);
      if (replaced) {
        // The operator's fix for another tenant: its own checkpoint file, from start_at.
        const otherConfig = await forwarderConfig({ sim, dir, sinks: set, source: { start_at: '2h' } });
        otherConfig.checkpoint = { path: join(dir, 'data', 'checkpoint-other.json') };
        const again = await onceRun(writeConfig(dir, otherConfig, 'config-other.yaml'));
        check(row, again.code === 0, `the other tenant's own run failed: ${tail(again.stderr)}`);
      } else {
        writeFileSync(path, good); // the operator restores the backup
        const again = await onceRun(config);
        check(row, again.code === 0, `the run after restoring the checkpoint failed: ${tail(again.stderr)}`);
        row.peakRssMb = again.peak;
      }
      // Everything this source ever served, exactly once (no reset re-sent anything).
      const expected = offeredIds(sim, Date.now());
      const sub = await makeSinks({ servers: ctx.servers, dir, tag: 'unused', kinds: ['file'] });
      await tally(row, sub, expected);
      row.duplicateBound = '0';
      check(row, row.duplicates === 0, `${row.duplicates} activities delivered twice`);
      rows.push(row);
    }
  } finally {
    await set.close();
    await sim.close();
  }
  return rows;
}

/** The data directory is read-only before start: refuse at once, deliver nothing. */
async function readOnlyAtStart(ctx: ChaosContext): Promise<Row> {
  const row = newRow('5e. read-only data directory at start-up');
  const dir = scenarioDir('checkpoint-ro');
  const disk = mountTmpfs(join(dir, 'data'), '4m');
  if (typeof disk === 'string') {
    row.notes.push(`not run: ${disk}`);
    return row;
  }
  const sim = await startSimulator({ seed: 510, backlog: 300, backlogWindowMs: 3600_000, selfEvents: false });
  const set = await makeSinks({ servers: ctx.servers, dir, tag: `cpro-${Date.now()}`, kinds: ['file'] });
  try {
    const cfg = await forwarderConfig({ sim, dir, sinks: set, source: { start_at: '2h' } });
    (cfg.dead_letter as { path: string }).path = join(dir, 'dead-letter.jsonl');
    const config = writeConfig(dir, cfg);
    disk.remount('ro');
    const run = await onceRun(config);
    const said =
      run.stderr.split('\n').find((l) => /checkpoint/i.test(l) && /read-only|EROFS/i.test(l)) ?? '';
    check(
      row,
      run.code === 2,
      `exit ${run.code} with a checkpoint that cannot be written (expected 2, as validate): ${tail(run.stderr, 4)}`,
    );
    check(row, said !== '', `no clear message about the unwritable checkpoint: ${tail(run.stderr, 4)}`);
    const delivered = await set.sinks[0].count();
    check(
      row,
      delivered === 0,
      `${delivered} activities delivered although no progress could ever be recorded (each restart would send them again)`,
    );
    row.notes.push(`exit ${run.code}: "${said.replace(/^claude-audit-forwarder: /, '').slice(0, 160)}…"`);
    disk.remount('rw');
    const again = await onceRun(config);
    check(
      row,
      again.code === 0,
      `after the directory became writable: exit ${again.code}: ${tail(again.stderr, 4)}`,
    );
    await tally(row, set, offeredIds(sim, Date.now()));
    check(row, row.duplicates === 0, `${row.duplicates} duplicates`);
    row.peakRssMb = again.peak;
  } finally {
    await set.close();
    await sim.close();
    disk.unmount();
  }
  return row;
}

/** Read-only mid-run: delivery holds at the buffer, the forwarder says so, and resumes. */
async function readOnlyMidRun(ctx: ChaosContext): Promise<Row> {
  const row = newRow('5f. data directory turns read-only mid-run');
  const dir = scenarioDir('checkpoint-ro2');
  const disk = mountTmpfs(join(dir, 'data'), '4m');
  if (typeof disk === 'string') {
    row.notes.push(`not run: ${disk}`);
    return row;
  }
  const sim = await startSimulator({ seed: 520, backlog: 500, backlogWindowMs: 3600_000, rate: 20 });
  const set = await makeSinks({
    servers: ctx.servers,
    dir,
    tag: `cpro2-${Date.now()}`,
    kinds: ['file', 'hec'],
  });
  const maxBuffered = 300;
  try {
    const metricsPort = await freePort();
    const cfg = await forwarderConfig({
      sim,
      dir,
      sinks: set,
      pipeline: { max_buffered_events: maxBuffered },
      metricsPort,
    });
    (cfg.dead_letter as { path: string }).path = join(dir, 'dead-letter.jsonl');
    const config = writeConfig(dir, cfg);
    const fwd = startCli(['run', '-c', config], { from: 'built' });
    const file = set.get('file')!;
    while ((await file.count()) < 400 && fwd.running) await sleep(200);
    await remountWithRetry(() => disk.remount('ro'));
    const cp = readCheckpoint(join(dir, 'data', 'checkpoint.json'));
    const atRo = await file.count();
    await sleep(ctx.full ? 30_000 : 8_000);
    const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then(
      async (r) => ({ status: r.status, body: await r.text() }),
      () => undefined,
    );
    const held = (await file.count()) - atRo;
    check(
      row,
      fwd.running,
      `the forwarder exited when its data directory turned read-only: ${tail(fwd.stderr())}`,
    );
    check(
      row,
      held <= maxBuffered + 200,
      `${held} activities delivered while nothing could be checkpointed (more than the buffer: a crash now would re-send them all)`,
    );
    check(
      row,
      ready !== undefined && ready.status === 503 && /checkpoint/.test(ready.body),
      `/readyz did not report the checkpoint: ${ready?.status} ${ready?.body.slice(0, 100)}`,
    );
    const said =
      fwd
        .stderr()
        .split('\n')
        .find((l) => /cannot write the checkpoint/.test(l)) ?? '';
    check(row, said !== '', 'no error line about the checkpoint');
    row.notes.push(
      `read-only for ${ctx.full ? 30 : 8} s: ${held} more delivered (buffer ${maxBuffered}), then held; /readyz ${ready?.status}; logged: "${said.slice(0, 140)}…"`,
    );
    await remountWithRetry(() => disk.remount('rw'));
    const cutoff = await quiesce(sim);
    const expected = offeredIds(sim, cutoff);
    await waitForDelivery(set, expected, { timeoutMs: 120_000, forwarder: fwd });
    // The checkpoint must move again without a restart.
    let moved = false;
    for (let i = 0; i < 60 && !moved; i++) {
      const now = readCheckpoint(join(dir, 'data', 'checkpoint.json'));
      moved = (now?.totals.delivered ?? 0) > (cp?.totals.delivered ?? 0) + held;
      if (!moved) await sleep(500);
    }
    check(
      row,
      moved,
      'the checkpoint never moved again after the directory became writable (the write is not retried)',
    );
    const exit = await fwd.stop();
    check(row, exit.code === 0, `did not stop cleanly: ${exit.code ?? exit.signal}: ${tail(fwd.stderr())}`);
    row.peakRssMb = fwd.peakRssMb();
    await tally(row, set, expected);
    row.duplicateBound = '0';
    check(row, row.duplicates === 0, `${row.duplicates} duplicates without a crash`);
  } finally {
    await set.close();
    await sim.close();
    disk.unmount();
  }
  return row;
}

async function remountWithRetry(remount: () => void): Promise<void> {
  // A checkpoint save in progress holds a file open for writing: the kernel says EBUSY.
  for (let i = 0; ; i++) {
    try {
      remount();
      return;
    } catch (err) {
      if (i > 50) throw err;
      await sleep(20);
    }
  }
}

export const checkpointFaults: Scenario = {
  id: 'checkpoint',
  title: 'checkpoint faults: corrupt, truncated, foreign, read-only',
  needs: {},
  async run(ctx) {
    return [...(await damagedRows(ctx)), await readOnlyAtStart(ctx), await readOnlyMidRun(ctx)];
  },
};
