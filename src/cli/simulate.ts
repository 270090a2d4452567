import { Command, Option } from 'commander';
import { createLogger } from '../observability/logger';
import { startSimulator, type SimulatorOptions } from '../simulator';
import type { FaultOptions } from '../simulator/faults';
import type { DelayRange } from '../simulator/live';
import type { RecordingOffWindow } from '../simulator/recording';
import { ConfigError } from '../util/errors';
import { parseDuration } from '../util/units';
import { EXIT_OK, reportError } from './exit';

/**
 * `simulate`: runs the Compliance API simulator until SIGINT/SIGTERM, for demos and for
 * pointing a forwarder (or another SIEM connector) at something that misbehaves on purpose.
 */
interface SimulateFlags {
  host: string;
  port: string;
  rate: string;
  seed: string;
  backlog: string;
  backlogWindow: string;
  apiKey: string[];
  latency: string;
  ingestionDelay: string;
  rateLimit: string;
  errorRate: string;
  fatalErrorRate: string;
  '429Rate': string;
  malformedRate: string;
  slowRate: string;
  slow: string;
  lateRate: string;
  lateDelay: string;
  duplicateRate: string;
  recordingOff: string[];
  hostileRate: string;
  futureTypeRate: string;
  selfEvents: boolean;
  prerender?: boolean;
  missingKey404?: boolean;
  strictTimestamps?: boolean;
}

function fail(flag: string, message: string): never {
  throw new ConfigError(message, `--${flag}`);
}

function integer(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    fail(flag, `expected an integer from ${min} to ${max}, got "${text}"`);
  return Number(text);
}

function probability(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    fail(flag, `expected a probability from 0 to 1 (e.g. 0.05), got "${text}"`);
  return n;
}

function durationMs(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) fail(flag, `expected a duration such as 500ms, 2s, 90s, 24h, got "${text}"`);
  return ms;
}

/** "100-500ms", "1s-5s", "250ms", "0". */
function delayRange(flag: string, text: string): DelayRange {
  if (text === '0') return { minMs: 0, maxMs: 0 };
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?-(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (m) {
    const min = durationMs(flag, `${m[1]}${m[2] ?? m[4]}`);
    const max = durationMs(flag, `${m[3]}${m[4]}`);
    if (min > max) fail(flag, `the lower bound exceeds the upper bound in "${text}"`);
    return { minMs: min, maxMs: max };
  }
  const single = parseDuration(text);
  if (single === undefined) fail(flag, `expected a duration or a range such as 100-500ms, got "${text}"`);
  return { minMs: single, maxMs: single };
}

/** "5m-10m" (off from 5 to 10 minutes after the start), "30s-" (off for good). */
function recordingOffWindow(text: string): RecordingOffWindow {
  const m = /^([^-]+)-([^-]*)$/.exec(text.trim());
  if (!m)
    fail(
      'recording-off',
      `expected FROM-UNTIL after the start, such as 5m-10m or 30s- (never back on), got "${text}"`,
    );
  const fromMs = durationMs('recording-off', m[1]);
  if (m[2] === '') return { fromMs };
  const untilMs = durationMs('recording-off', m[2]);
  if (untilMs <= fromMs) fail('recording-off', `the switch-on must come after the switch-off in "${text}"`);
  return { fromMs, untilMs };
}

/** "5", "5/s", "300/m". */
function ratePerSecond(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|m|h))?$/.exec(text.trim());
  if (!m) fail('rate', `expected activities per second such as 5, 5/s or 300/m, got "${text}"`);
  const per = { s: 1, m: 60, h: 3600 }[m[2] ?? 's'] ?? 1;
  return Number(m[1]) / per;
}

export function simulatorOptionsFromFlags(flags: SimulateFlags): SimulatorOptions {
  const faults: FaultOptions = {
    errorRate: probability('error-rate', flags.errorRate),
    fatalErrorRate: probability('fatal-error-rate', flags.fatalErrorRate),
    rateLimitedRate: probability('429-rate', flags['429Rate']),
    malformedRate: probability('malformed-rate', flags.malformedRate),
    slowRate: probability('slow-rate', flags.slowRate),
    slowMs: durationMs('slow', flags.slow),
    lateRate: probability('late-rate', flags.lateRate),
    lateDelayMs: durationMs('late-delay', flags.lateDelay),
    duplicateRate: probability('duplicate-rate', flags.duplicateRate),
    recordingOff: flags.recordingOff.map(recordingOffWindow),
  };
  const rateLimit = integer('rate-limit', flags.rateLimit, 0);
  return {
    host: flags.host,
    port: integer('port', flags.port, 0, 65535),
    seed: integer('seed', flags.seed, 0, 0xffffffff),
    rate: ratePerSecond(flags.rate),
    backlog: integer('backlog', flags.backlog, 0, 50_000_000),
    backlogWindowMs: durationMs('backlog-window', flags.backlogWindow),
    keys: flags.apiKey.length > 0 ? flags.apiKey : undefined,
    latencyMs: delayRange('latency', flags.latency),
    ingestionDelayMs: delayRange('ingestion-delay', flags.ingestionDelay),
    rateLimit: rateLimit === 0 ? false : rateLimit,
    selfEvents: flags.selfEvents,
    hostileRate: probability('hostile-rate', flags.hostileRate),
    futureTypeRate: probability('future-type-rate', flags.futureTypeRate),
    missingKeyStatus: flags.missingKey404 ? 404 : 401,
    strictTimestamps: Boolean(flags.strictTimestamps),
    prerender: Boolean(flags.prerender),
    faults,
  };
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('run a local Compliance API simulator (for demos, tests and fault drills) until interrupted')
    .option('--host <host>', 'address to listen on (keep it loopback)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8787')
    .option('--rate <n>', 'new activities per second (5, 5/s, 300/m)', '2')
    .option('--seed <s>', 'seed: the same seed gives the same activities', '42')
    .option('--backlog <n>', 'activities already present at start', '500')
    .option('--backlog-window <duration>', 'how far back the backlog reaches', '24h')
    .option(
      '--api-key <key>',
      'accepted key (repeatable; sk-ant-api01-… or sk-ant-admin01-…)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--latency <range>', 'added response time, e.g. 100-500ms', '0')
    .option('--ingestion-delay <range>', 'delay before a new activity becomes queryable', '0-1s')
    .option('--rate-limit <n>', 'tenant requests per minute (0 = unlimited)', '600')
    .option('--error-rate <p>', 'probability of a retryable 5xx (500/502/503/504/529)', '0')
    .option('--fatal-error-rate <p>', 'probability of a 500 with x-should-retry: false', '0')
    .option('--429-rate <p>', 'probability of an injected 429 with retry-after', '0')
    .option('--malformed-rate <p>', 'probability of a truncated / invalid JSON / HTML page', '0')
    .option('--slow-rate <p>', 'probability of hanging before answering', '0')
    .option('--slow <duration>', 'how long a slow response hangs', '30s')
    .option('--late-rate <p>', 'fraction of new activities indexed late (behind served cursors)', '0')
    .option('--late-delay <duration>', 'how late those activities become visible', '90s')
    .option('--duplicate-rate <p>', 'probability a page repeats the row at its cursor', '0')
    .option(
      '--recording-off <from-until>',
      'switch the Compliance API off from..until after the start (5m-10m; 5m- for good): nothing is recorded but the settings rows (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option(
      '--hostile-rate <p>',
      'share of activities carrying hostile strings (CR/LF, NUL, |, =, RTL, 3 KB)',
      '0',
    )
    .option('--future-type-rate <p>', 'share of activity types newer than the catalogue', '0')
    .option('--no-self-events', 'do not record a compliance_api_accessed activity per request')
    .option(
      '--prerender',
      "render the backlog's JSON once at start and serve pages as bytes (benchmarks; ≈ 600 bytes of memory a row)",
    )
    .addOption(
      new Option('--missing-key-404', 'answer requests without x-api-key with 404, as observed live'),
    )
    .addOption(
      new Option('--strict-timestamps', 'reject created_at bounds without an offset (the documented rule)'),
    )
    .action(async (flags: SimulateFlags) => {
      try {
        await simulate(flags);
        process.exitCode = EXIT_OK;
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}

async function simulate(flags: SimulateFlags): Promise<void> {
  const options = simulatorOptionsFromFlags(flags);
  const logger = createLogger({ level: 'info', format: 'text' });
  const sim = await startSimulator({ ...options, logger });
  // The key is the simulator's own, not a secret: printing it is the point.
  process.stdout.write(
    `Compliance API simulator on ${sim.url}  (x-api-key: ${sim.apiKey}; source.base_url: ${sim.url})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const stats = sim.stats();
  await sim.close();
  logger.info('simulator stopped', {
    requests: stats.requests,
    activities: stats.activities,
    by_status: stats.byStatus,
  });
}
