import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { seededRandom, type Scenario } from '../../../chaos/support/harness';
import { renderNotes, renderTable } from '../../../chaos/support/report';
import { startServers, type ServerNeeds } from '../../../chaos/support/servers';

/**
 * Runs one chaos scenario at its reduced size (the full size is `npm run chaos`), prints its
 * rows of the table, and fails with every broken promise listed. Servers a scenario needs but
 * cannot have make their sink's column "n/a" — except under CI=true, where that fails.
 */
export async function runReduced(
  t: TestContext,
  scenario: Scenario,
  needs: ServerNeeds = scenario.needs,
): Promise<void> {
  const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const servers = await startServers(needs);
  try {
    const started = Date.now();
    const rows = await scenario.run({
      full: false,
      servers,
      random: seededRandom(seed),
      log: (m) => {
        if (process.env.CHAOS_VERBOSE)
          process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(0)}s] ${m}\n`);
      },
    });
    t.diagnostic(`CHAOS_SEED=${seed}\n${renderTable(rows)}\n${renderNotes(rows)}`);
    const failures = rows.flatMap((r) => r.failures.map((f) => `${r.scenario}: ${f}`));
    assert.deepEqual(failures, [], `broken promises (replay with CHAOS_SEED=${seed})`);
  } finally {
    await servers.close();
  }
}
