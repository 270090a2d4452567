import { startSimulator } from '../../src/simulator';
import { type ForwarderProcess, startCli, writeConfig } from '../../test/support/forwarder';
import { isCI } from '../../test/support/servers';
import {
  SEARCH_ENGINE_INSTALL_HINT,
  startSearchEngine,
  type SearchEngine,
} from '../../test/support/search-engine';
import {
  forwarderConfig,
  offeredIds,
  quiesce,
  scenarioDir,
  sleep,
  tail,
  type ChaosContext,
  type Scenario,
} from '../support/harness';
import { check, newRow, type Row } from '../support/report';

const INDEX = 'logs-claude.chaos-default';

/** Ids the data stream holds, duplicates included (one per backing-index copy). */
async function storedIds(engine: SearchEngine): Promise<string[]> {
  return engine.ids(INDEX).catch(() => []);
}

/**
 * The Elasticsearch sink under `kill -9` at random moments mid-batch, and an outage of the
 * node (stopped, then started on the same data) while the forwarder keeps running: nothing
 * offered is missing, and copies stay within what a crash can leave in flight (with `create`
 * and `_id` = activity id a resend is answered 409, so the expected count is 0).
 */
export const elasticsearchChaos: Scenario = {
  id: 'elasticsearch',
  title: 'Elasticsearch: kill -9 mid-batch and a node outage',
  needs: {},
  async run(ctx: ChaosContext): Promise<Row[]> {
    const p = ctx.full
      ? { kills: 20, backlog: 6000, rate: 30, outageMs: 30_000 }
      : { kills: 3, backlog: 1200, rate: 20, outageMs: 5_000 };
    const maxBuffered = 500;
    const pageSize = 200;
    const row = newRow(`Elasticsearch: kill -9 ×${p.kills} + ${p.outageMs / 1000}s node outage`);
    let engine: SearchEngine;
    try {
      engine = await startSearchEngine({ product: 'elasticsearch' });
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (isCI()) throw err;
      row.notes.push(`n/a: Elasticsearch unavailable (${reason}); ${SEARCH_ENGINE_INSTALL_HINT}`);
      return [row];
    }
    const dir = scenarioDir('elasticsearch');
    const sim = await startSimulator({
      seed: 211,
      backlog: p.backlog,
      backlogWindowMs: 2 * 3600_000,
      rate: p.rate,
      faults: { errorRate: 0.02 },
    });
    try {
      // dynamic: false: documents are stored whatever their fields (no mapping conflicts).
      await engine.request('PUT', '/_index_template/claude-chaos', {
        index_patterns: [INDEX],
        data_stream: {},
        priority: 500,
        template: { mappings: { dynamic: false } },
      });
      const config = writeConfig(
        dir,
        await forwarderConfig({
          sim,
          dir,
          sinks: {
            es: {
              type: 'elasticsearch',
              endpoints: [engine.url],
              username: engine.user!.username,
              password: engine.user!.password,
              tls: { ca_file: engine.caFile },
              index: INDEX,
              format: 'ecs',
              batch: { max_events: 100, timeout: '50ms', concurrency: 4 },
              retry: { initial_backoff: '100ms', max_backoff: '1s' },
              request_timeout: '10s',
            },
          },
          source: { page_size: pageSize },
          pipeline: { max_buffered_events: maxBuffered },
          log: { level: 'warn' },
        }),
      );
      for (let i = 0; i < p.kills; i++) {
        const fwd = startCli(['run', '-c', config], { from: 'built' });
        const before = (await storedIds(engine)).length;
        const deadline = Date.now() + 60_000;
        while ((await storedIds(engine)).length <= before && fwd.running && Date.now() < deadline)
          await sleep(100);
        await sleep(50 + ctx.random() * 1500);
        if (
          !check(
            row,
            fwd.running,
            `kill ${i + 1}: the forwarder had exited on its own: ${tail(fwd.stderr())}`,
          )
        )
          break;
        await fwd.kill9();
        ctx.log(`kill ${i + 1}/${p.kills}: ${(await storedIds(engine)).length} documents`);
      }
      // The outage: the node goes while a forwarder is delivering, and comes back.
      const during = startCli(['run', '-c', config], { from: 'built' });
      await sleep(1000);
      await engine.stop();
      await sleep(p.outageMs);
      check(row, during.running, `the forwarder exited during the outage: ${tail(during.stderr())}`);
      await engine.start();
      const cutoff = await quiesce(sim);
      const expected = offeredIds(sim, cutoff);
      const want = new Set(expected);
      const final: ForwarderProcess = during;
      const deadline = Date.now() + (ctx.full ? 300_000 : 150_000);
      let held = new Set<string>();
      while (Date.now() < deadline && final.running) {
        held = new Set(await storedIds(engine));
        if ([...want].every((id) => held.has(id))) break;
        await sleep(1000);
      }
      const exit = await final.stop();
      check(row, exit.code === 0, `the final run did not stop cleanly (exit ${exit.code ?? exit.signal})`);
      const ids = await storedIds(engine);
      const counts = new Map<string, number>();
      for (const id of ids) if (want.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
      const lost = expected.filter((id) => !counts.has(id));
      row.offered = want.size;
      row.lost = lost.length;
      row.duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
      const bound = p.kills * (maxBuffered + pageSize);
      row.duplicateBound = String(bound);
      check(
        row,
        lost.length === 0,
        `${lost.length} of ${want.size} never stored (first: ${lost.slice(0, 3).join(', ')})`,
      );
      check(
        row,
        row.duplicates <= bound,
        `${row.duplicates} duplicate documents exceed the in-flight bound ${bound}`,
      );
      row.notes.push(
        `elasticsearch: ${counts.size} of ${want.size} stored, ${row.duplicates} stored twice (create + _id: resends answered 409)`,
      );
    } finally {
      await sim.close();
      await engine.destroy();
    }
    return [row];
  },
};
