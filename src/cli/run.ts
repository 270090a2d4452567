import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/load';
import type { ForwarderConfig } from '../config/schema';
import type { OutputFormat } from '../config/fields';
import { createLogger, type Logger } from '../observability/logger';
import { installCrashHandlers, redactProcessOutput } from '../observability/guard';
import { Observability } from '../observability/observability';
import { ProgressReporter } from '../observability/progress';
import { Forwarder } from '../forwarder';
import { warnPlaintextPaths } from '../sinks/plaintext-warnings';
import { routingWarnings } from '../routing/describe';
import { isLoopbackHost } from '../util/loopback';
import { heapLimitMb, heapNeededMb } from '../pipeline/heap-budget';
import { EXIT_FAILURE, EXIT_OK, reportError } from './exit';
import { DEFAULT_CONFIG_PATH } from './paths';
import { dryRun } from './dry-run';
import { checkBeforeStart } from './preflight';
import { makeTenant, openHistory, startSimulator } from '../simulator';
import { VERSION } from '../version';
import { ConfigError } from '../util/errors';

interface RunFlags {
  readonly config: string;
  readonly once?: boolean;
  readonly simulator?: boolean;
  readonly dryRun?: boolean;
  readonly limit: number;
  readonly format?: OutputFormat;
  /** commander's --no-progress */
  readonly progress: boolean;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return n;
}

/** `run`: the daemon (or `--once`: catch up, deliver, checkpoint, exit; `--dry-run`: print only). */
export function runCommand(): Command {
  return new Command('run')
    .description('poll the Compliance API and deliver activities to every configured sink')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--once', 'catch up once, deliver, checkpoint and exit 0')
    .option(
      '--simulator',
      'start the built-in Compliance API simulator at source.base_url (loopback only) for a demo',
    )
    .option(
      '--dry-run',
      'fetch and print normalized events to stdout without delivering them or moving the checkpoint',
    )
    .option(
      '--limit <n>',
      'with --dry-run: stop after this many events (0: the whole window)',
      nonNegativeInt,
      100,
    )
    .addOption(
      new Option(
        '--format <format>',
        "with --dry-run: print every event in this format instead of each sink's",
      ).choices(['ocsf', 'ecs', 'raw']),
    )
    .option('--no-progress', 'no progress bar on a terminal during a long backfill')
    .action(async (flags: RunFlags) => {
      process.exitCode = await run(flags);
    });
}

async function run(flags: RunFlags): Promise<number> {
  // First of all: whatever this process prints from here on — until it exits, including
  // whatever a library prints while shutting down — is redacted, by any code path.
  redactProcessOutput();
  let stopSimulator: (() => Promise<void>) | undefined;
  let observability: Observability | undefined;
  try {
    if (!flags.dryRun && flags.format)
      throw new ConfigError('--format applies to --dry-run only (each sink has its own format)');
    const { config } = loadConfig(flags.config);
    // Nothing starts (not even the metrics listener) before every check validate makes passes.
    if (!flags.dryRun) await checkBeforeStart(config, process.cwd());
    const tty = flags.progress && !flags.dryRun && process.stderr.isTTY === true;
    const earlyLogger = createLogger({ level: config.log.level, format: config.log.format });
    const progress = tty
      ? new ProgressReporter({ tty: true, stream: process.stderr, logger: earlyLogger })
      : undefined;
    // On a terminal, log lines go above the progress bar instead of through it.
    const logger = progress
      ? createLogger({ level: config.log.level, format: config.log.format, stream: progress.logStream })
      : earlyLogger;
    installCrashHandlers(logger);
    if (flags.simulator)
      stopSimulator = await startDemoSimulator(
        config.source.base_url,
        config.source.api_key as string,
        dirname(resolve(process.cwd(), config.checkpoint.path)),
        logger,
      );
    const abort = new AbortController();
    const onSignal = (sig: NodeJS.Signals): void => {
      if (abort.signal.aborted) {
        logger.warn(
          'second signal: exiting now; un-checkpointed activities are delivered again on the next run',
          { signal: sig },
        );
        process.exit(EXIT_FAILURE);
      }
      logger.info('shutting down: finishing in-flight batches and writing the checkpoint', { signal: sig });
      observability?.stopping();
      abort.abort();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      if (flags.dryRun) {
        await dryRun(config, { logger, signal: abort.signal, limit: flags.limit, format: flags.format });
        return EXIT_OK;
      }
      observability = await Observability.start(config, {
        logger,
        version: VERSION,
        progress: progress ?? new ProgressReporter({ tty: false, logger }),
      });
      return await runForwarder(config, flags, logger, abort.signal, observability);
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  } catch (err) {
    return reportError(err);
  } finally {
    const settled = (await observability?.close()) ?? true;
    // Only an OTLP exporter still retrying a dead collector is left: do not wait for it.
    if (!settled) setTimeout(() => process.exit(), 1000).unref();
    await stopSimulator?.();
  }
}

async function runForwarder(
  config: ForwarderConfig,
  flags: RunFlags,
  logger: Logger,
  signal: AbortSignal,
  observability: Observability,
): Promise<number> {
  const forwarder = await Forwarder.create(config, {
    once: flags.once,
    logger,
    signal,
    observer: observability.observer,
  });
  observability.attach(forwarder);
  logger.info('claude-audit-forwarder started', {
    source: config.source.base_url,
    sinks: Object.entries(config.sinks).map(([name, s]) => `${name}:${s.type}`),
    once: Boolean(flags.once),
    heap_limit_mb: heapLimitMb(),
    ...(observability.url ? { metrics: `${observability.url}/metrics` } : {}),
  });
  warnIfHeapTooSmall(config, logger);
  warnPlaintextPaths(config, logger);
  for (const warning of routingWarnings(config.sinks)) logger.warn(warning);
  const outcome = await forwarder.run();
  observability.stopping();
  return outcome.ok ? EXIT_OK : EXIT_FAILURE;
}

/** Says at start-up, not at the first stall, when the heap cannot hold a full buffer. */
function warnIfHeapTooSmall(config: ForwarderConfig, logger: Logger): void {
  const needed = heapNeededMb({
    maxBufferedEvents: config.pipeline.max_buffered_events,
    sinks: Object.keys(config.sinks).length,
    pageSize: config.source.page_size,
  });
  const limit = heapLimitMb();
  if (limit >= needed) return;
  logger.warn(
    'the JavaScript heap limit is below what a full pipeline needs: if every sink stalls, the process runs out of memory',
    {
      heap_limit_mb: limit,
      needed_mb: needed,
      fix: `set NODE_OPTIONS=--max-old-space-size=${needed} (the claude-audit-forwarder command then leaves the heap to it) or lower pipeline.max_buffered_events`,
    },
  );
}

/** The demo's simulator: one tenant across runs, its history kept next to the checkpoint. */
async function startDemoSimulator(
  baseUrl: string,
  apiKey: string,
  dataDir: string,
  logger: Logger,
): Promise<() => Promise<void>> {
  const url = new URL(baseUrl);
  if (!isLoopbackHost(url.hostname)) {
    throw new Error(`--simulator only serves on loopback; source.base_url is ${baseUrl}`);
  }
  const history = openHistory(dataDir, 42);
  const sim = await startSimulator({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 80),
    keys: [apiKey],
    backlog: history.rows.length > 0 ? 0 : 200,
    rate: 2,
    seed: history.sessionSeed,
    tenant: makeTenant(history.tenantSeed),
    history,
  });
  const tenant = { organization: sim.tenant.organizationId, history: history.directory };
  if (history.rows.length > 0)
    logger.info('built-in simulator resumed the same demo tenant and its history', {
      ...tenant,
      activities: history.rows.length,
      ...(history.dropped > 0 ? { older_dropped: history.dropped } : {}),
      run: history.session,
    });
  else logger.info('built-in simulator started a new demo tenant; the next run resumes it', tenant);
  logger.info('built-in simulator listening', { url: sim.url });
  return () => sim.close();
}
