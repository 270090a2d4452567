import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTenant, openHistory, startSimulator } from '../../src/simulator';
import { tempDir } from '../support/forwarder';

/**
 * The demo's simulator across runs (see src/simulator/history.ts): the next run is the same
 * organization, still knows every id an earlier run served, never reuses one for a new row,
 * and keeps only the newest rows so a long-lived demo directory fits the bounded heap.
 */

async function oneRun(dir: string, maxRows?: number) {
  const history = openHistory(dir, 42, maxRows);
  const sim = await startSimulator({
    seed: history.sessionSeed,
    tenant: makeTenant(history.tenantSeed),
    backlog: history.rows.length > 0 ? 0 : 20,
    history,
  });
  const appended = sim.append(5);
  const ids = sim.allIds({ includeInvisible: true });
  await sim.close();
  return { history, sim, appended, ids };
}

test('the next run serves the same organization and every earlier id, with new ids for new rows', async () => {
  const dir = tempDir('caf-sim-history-');
  try {
    const first = await oneRun(dir);
    assert.equal(first.history.session, 1);
    assert.equal(first.ids.length, 25);
    const second = await oneRun(dir);
    assert.equal(second.history.session, 2);
    assert.equal(second.sim.tenant.organizationId, first.sim.tenant.organizationId);
    assert.notEqual(second.history.sessionSeed, first.history.sessionSeed);
    for (const id of first.ids) assert.ok(second.ids.includes(id), `${id} from the first run is unknown`);
    for (const id of second.appended) assert.ok(!first.ids.includes(id), `${id} was reused`);
    assert.equal(second.ids.length, 30);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only the newest rows are kept, and the journal is rewritten to them', async () => {
  const dir = tempDir('caf-sim-history-');
  try {
    const first = await oneRun(dir);
    const second = await oneRun(dir, 10);
    assert.equal(second.history.dropped, 15);
    // The last five share one created_at (ordered by id when served, by creation in the journal).
    assert.deepEqual(second.history.rows.map((r) => r.activity.id).sort(), first.ids.slice(-10).sort());
    const lines = readFileSync(join(dir, 'simulator-history.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 15, 'the 10 kept rows and the 5 new ones');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
