import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config/load';
import { ConfigError } from '../util/errors';
import { FileCheckpointStore } from '../checkpoint/file-store';
import { createLogger } from '../observability/logger';
import { LogVerifier } from '../source/access-transparency/log-verifier';
import { INITIAL_TRANSPARENCY_LOG, type TransparencyLogState } from '../transparency/state';
import type { RunResult } from '../transparency/verifier';
import { EXIT_OK, reportError } from './exit';
import { DEFAULT_CONFIG_PATH } from './paths';
import { withSourceClient } from './preflight';

/** A finding: Anthropic's log or feed failed a check (spec §4.7). */
export const EXIT_FINDINGS = 1;
/** The run could not complete (network, 429/5xx beyond retries, no log while verify_log is true): run again. */
export const EXIT_INCOMPLETE = 3;

/**
 * `verify-log`: one verification of the Access Transparency log, from the last checkpoint
 * the daemon verified (read from the checkpoint file, which the daemon owns: it is written
 * only with --save, where no daemon runs).
 * Prints the outcome as JSON. Exit 0 clean, 1 findings, 2 configuration, 3 could not complete.
 */
export function verifyLogCommand(): Command {
  return new Command('verify-log')
    .description(
      "verify Anthropic's Access Transparency log once (exit 0 clean, 1 findings, 2 configuration, 3 could not complete: run again)",
    )
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option(
      '--save',
      'write the verified checkpoint back to the checkpoint file, for the next run to extend (only where no daemon runs on that file: run --once under cron)',
    )
    .action(async (flags: { readonly config: string; readonly save?: boolean }) => {
      process.exitCode = await verifyOnce(flags.config, flags.save === true);
    });
}

async function verifyOnce(configPath: string, saveBack: boolean): Promise<number> {
  try {
    const { config } = loadConfig(configPath);
    const at = config.source.access_transparency;
    if (at.organization_uuid === undefined)
      throw new ConfigError(
        'missing: verify-log needs the organization UUID shown in the Console (Settings > Organization)',
        'source.access_transparency.organization_uuid',
      );
    const baseDir = process.cwd();
    const store = new FileCheckpointStore(resolve(baseDir, config.checkpoint.path), config.source.base_url);
    const loaded = await store.load();
    if (saveBack && !loaded)
      throw new ConfigError(
        "verify-log --save keeps its result in the forwarder's checkpoint, and there is none yet: run the forwarder first",
        'checkpoint.path',
      );
    let state: TransparencyLogState = loaded?.transparency_log ?? INITIAL_TRANSPARENCY_LOG;
    const logger = createLogger({ level: config.log.level, format: config.log.format });
    let result: RunResult | undefined;
    await withSourceClient(config, baseDir, async (client) => {
      const verifier = new LogVerifier({
        client,
        config: at,
        state: () => state,
        save: (s) => {
          state = s;
          return Promise.resolve();
        },
        logger,
      });
      result = await verifier.runOnce();
    });
    if (!result) return EXIT_INCOMPLETE;
    if (saveBack && loaded) await store.save({ ...loaded, transparency_log: state });
    process.stdout.write(JSON.stringify(report(result), null, 2) + '\n');
    return exitCodeOf(result, at.verify_log === true);
  } catch (err) {
    return reportError(err);
  }
}

export function exitCodeOf(result: RunResult, logRequired: boolean): number {
  if (result.outcome === 'findings') return EXIT_FINDINGS;
  if (result.outcome === 'incomplete' || (result.outcome === 'no_log' && logRequired)) return EXIT_INCOMPLETE;
  return EXIT_OK;
}

/** What a run established, in the shape of Anthropic's verifier's --json. */
function report(result: RunResult) {
  return {
    outcome: result.outcome,
    verified_size: result.state.size,
    verified_root: result.state.root,
    verified_checkpoint: result.state.checkpoint,
    verified_now: result.verified,
    verified_events_total: result.state.verified_events,
    not_logged: result.notLogged,
    pending: result.state.pending.map((p) => p.id),
    skipped_other_types: result.skipped,
    failures: result.findings,
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}
