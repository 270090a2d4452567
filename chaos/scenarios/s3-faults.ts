import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startSimulator } from '../../src/simulator';
import { startCli, writeConfig } from '../../test/support/forwarder';
import { MOTO_INSTALL_HINT, TEST_CREDENTIALS, startMoto, type Moto } from '../../test/support/moto';
import { isCI } from '../../test/support/servers';
import {
  committedIsDelivered,
  forwarderConfig,
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
import { TcpRelay } from '../support/relay';
import { check, newRow, type Row } from '../support/report';
import { activityIdOf, type SinkSet, type SinkUnderTest } from '../support/sinks';

/**
 * Scenario 12 (#22): the S3 sink (a real S3 API server, moto, behind a relay that can be cut)
 * under `kill -9` at random moments while objects are being PUT, then an outage of the
 * store while activity keeps arriving. After every kill everything behind the checkpoint is
 * in the bucket; at the end nothing is missing, duplicates stay within kills ×
 * (max_buffered_events + page_size), and the row notes how many activities ended up in two
 * objects (a resent batch that formed the same way lands on its own key and adds none).
 */
const BUCKET = 'chaos-archive';

/** Every activity id in every object, and how many objects each id is in. */
async function objectIds(moto: Moto): Promise<{ ids: string[]; inSeveral: number }> {
  const ids: string[] = [];
  const objectsOf = new Map<string, number>();
  for (const key of await moto.keys(BUCKET)) {
    const seen = new Set<string>();
    for (const line of gunzipSync(await moto.get(BUCKET, key))
      .toString('utf8')
      .split('\n')) {
      if (!line) continue;
      const id = activityIdOf(JSON.parse(line));
      if (!id) continue;
      ids.push(id);
      seen.add(id);
    }
    for (const id of seen) objectsOf.set(id, (objectsOf.get(id) ?? 0) + 1);
  }
  return { ids, inSeveral: [...objectsOf.values()].filter((n) => n > 1).length };
}

export const s3Faults: Scenario = {
  id: 's3-faults',
  title: 'S3 sink: kill -9 mid-upload and an outage of the store',
  needs: {},
  async run(ctx: ChaosContext): Promise<Row[]> {
    const p = ctx.full
      ? { kills: 10, backlog: 6000, rate: 40, outageMs: 30_000 }
      : { kills: 3, backlog: 1200, rate: 25, outageMs: 6_000 };
    const maxBuffered = 500;
    const pageSize = 200;
    const row = newRow(`12. S3: kill -9 ×${p.kills} mid-upload, store down ${p.outageMs / 1000}s`);
    let moto: Moto;
    try {
      moto = await startMoto();
    } catch (err) {
      if (isCI()) throw err;
      row.delivered.s3 = `n/a (${MOTO_INSTALL_HINT})`;
      return [row];
    }
    const relay = await TcpRelay.start(Number(new URL(moto.endpoint).port));
    const dir = scenarioDir('s3-faults');
    const sim = await startSimulator({
      seed: 2202,
      backlog: p.backlog,
      backlogWindowMs: 2 * 3600_000,
      rate: p.rate,
      faults: { errorRate: 0.02 },
    });
    const s3: SinkUnderTest = {
      kind: 's3',
      name: 'archive',
      config: {
        type: 's3',
        bucket: BUCKET,
        prefix: 'claude/',
        region: 'us-east-1',
        endpoint: relay.url,
        force_path_style: true,
        access_key_id: TEST_CREDENTIALS.accessKeyId,
        secret_access_key: TEST_CREDENTIALS.secretAccessKey,
        format: 'ocsf',
        batch: { max_events: 200, timeout: '300ms' },
        request_timeout: '5s',
        retry: { initial_backoff: '100ms', max_backoff: '1s' },
      },
      ids: async () => (await objectIds(moto)).ids,
      count: async () => (await objectIds(moto)).ids.length,
    };
    const sinks: SinkSet = {
      sinks: [s3],
      unavailable: {},
      config: { archive: s3.config },
      get: (kind) => (kind === 's3' ? s3 : undefined),
      close: async () => undefined,
    };
    await moto.createBucket(BUCKET);
    const checkpointPath = join(dir, 'data', 'checkpoint.json');
    const config = writeConfig(
      dir,
      await forwarderConfig({
        sim,
        dir,
        sinks,
        source: { page_size: pageSize },
        pipeline: { max_buffered_events: maxBuffered },
        log: { level: 'warn' },
      }),
    );
    let peak = 0;
    try {
      for (let i = 0; i < p.kills; i++) {
        const fwd = startCli(['run', '-c', config], { from: 'built' });
        const objects = async (): Promise<number> => (await moto.keys(BUCKET)).length;
        const before = await objects();
        const deadline = Date.now() + 60_000;
        // Kill while objects are being PUT: after this run's first, at a random moment.
        while ((await objects()) <= before && fwd.running && Date.now() < deadline) await sleep(50);
        await sleep(ctx.random() * 1200);
        if (
          !check(
            row,
            fwd.running,
            `kill ${i + 1}: the forwarder had exited on its own: ${tail(fwd.stderr())}`,
          )
        )
          break;
        await fwd.kill9();
        peak = Math.max(peak, fwd.peakRssMb());
        await committedIsDelivered(
          row,
          readCheckpoint(checkpointPath),
          sim,
          5 * 60_000,
          [s3],
          `after kill ${i + 1}`,
        );
        ctx.log(`kill ${i + 1}/${p.kills}: ${(await moto.keys(BUCKET)).length} objects`);
      }
      const fwd = startCli(['run', '-c', config], { from: 'built' });
      await sleep(1500);
      await relay.cut();
      ctx.log(`store cut off for ${p.outageMs} ms`);
      await sleep(p.outageMs);
      check(row, fwd.running, `the forwarder exited during the outage: ${tail(fwd.stderr())}`);
      await relay.restore();
      ctx.log('store back');
      const cutoff = await quiesce(sim);
      const expected = offeredIds(sim, cutoff);
      await waitForDelivery(sinks, expected, { timeoutMs: ctx.full ? 300_000 : 120_000, forwarder: fwd });
      ctx.log('everything delivered');
      const exit = await fwd.stop();
      peak = Math.max(peak, fwd.peakRssMb());
      check(
        row,
        exit.code === 0,
        `the last run did not stop cleanly (exit ${exit.code ?? exit.signal}): ${tail(fwd.stderr())}`,
      );
      const per = await tally(row, sinks, expected);
      const bound = p.kills * (maxBuffered + pageSize);
      const dups = per.get('s3')?.duplicates ?? 0;
      row.duplicateBound = `${bound}`;
      check(row, dups <= bound, `s3: ${dups} duplicates exceed the in-flight bound ${bound}`);
      row.peakRssMb = peak;
      const { inSeveral } = await objectIds(moto);
      row.notes.push(
        `${(await moto.keys(BUCKET)).length} objects; ${inSeveral} activities in more than one object (batches re-formed differently after a kill)`,
      );
    } finally {
      await relay.cut();
      await sim.close();
      await moto.destroy();
    }
    return [row];
  },
};
