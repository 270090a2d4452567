/**
 * The chaos suite: tries hard to break "nothing lost, few duplicates, bounded memory, no
 * secrets leaked" with the real forwarder, the simulator and real destination servers, and
 * prints one table.
 *
 *   npm run chaos                      # every scenario, full size; writes chaos/results.md
 *   npm run chaos -- --quick           # the reduced sizes npm test uses
 *   npm run chaos -- --only kill9,api  # some scenarios (ids: see chaos/scenarios/index.ts)
 *   CHAOS_SEED=1234 npm run chaos      # replay the random choices of a run
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS } from './scenarios';
import { seededRandom, type ChaosContext } from './support/harness';
import { newRow, outcome, renderNotes, renderTable, type Row } from './support/report';
import { startServers } from './support/servers';
import { REPO_ROOT, workingTreeBuild } from '../test/support/forwarder';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function gitDescribe(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', 'src'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !==
      '';
    return `${head}${dirty ? ' + uncommitted changes in src/' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const full = !process.argv.includes('--quick');
  const only = arg('--only')
    ?.split(',')
    .map((s) => s.trim());
  const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const selected = SCENARIOS.filter((s) => !only || only.includes(s.id));
  if (selected.length === 0) {
    process.stderr.write(
      `no scenario matches ${only?.join(',')}; ids: ${SCENARIOS.map((s) => s.id).join(', ')}\n`,
    );
    process.exit(2);
  }
  const started = Date.now();
  const log = (message: string): void =>
    void process.stderr.write(
      `[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`,
    );
  // Described now, as built: the tree may change while a 25-minute run goes on.
  const built = gitDescribe();
  log(`building the forwarder from the working tree: ${workingTreeBuild().script}`);
  const servers = await startServers({
    syslog: selected.some((s) => s.needs.syslog),
    kafka: selected.some((s) => s.needs.kafka),
  });
  const ctx: ChaosContext = { full, servers, random: seededRandom(seed), log };
  const rows: Row[] = [];
  try {
    for (const scenario of selected) {
      log(`scenario ${scenario.id}: ${scenario.title}`);
      const t0 = Date.now();
      try {
        const result = await scenario.run(ctx);
        rows.push(...result);
        for (const r of result)
          log(`  ${outcome(r)}  ${r.scenario}${r.failures.length ? `: ${r.failures.join('; ')}` : ''}`);
      } catch (err) {
        const row = newRow(`${scenario.title} (crashed)`);
        row.failures.push(
          `the scenario itself failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        rows.push(row);
        log(`  FAIL  ${scenario.id} crashed: ${String(err)}`);
      }
      log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await servers.close();
  }

  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const failed = rows.filter((r) => r.failures.length > 0).length;
  const header = [
    `# Chaos results`,
    '',
    `${full ? 'Full' : 'Reduced (--quick)'} run of \`npm run chaos\`, ${new Date().toISOString()}: ${rows.length} scenario rows, ${failed} failed, ${minutes} min.`,
    `Commit ${built}; Node ${process.version}; ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB; CHAOS_SEED=${seed}.`,
    '',
    'Columns: activities the API offered; per sink, how many of them it holds (unique); lost = offered but missing from a sink (summed over sinks);',
    "duplicates = extra copies (summed over sinks); peak RSS = the forwarder process's VmHWM.",
    '',
  ].join('\n');
  const text = `${header}${renderTable(rows)}\n\n## Notes\n\n${renderNotes(rows)}\n`;
  process.stdout.write(`\n${text}`);
  if (full && !only) {
    writeFileSync(join(__dirname, 'results.md'), text);
    log('wrote chaos/results.md');
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
