import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load';
import { configJsonSchema } from '../config/schema';
import { redact } from '../observability/redact';
import { EXIT_FAILURE, EXIT_OK, reportError } from './exit';
import { DEFAULT_CONFIG_PATH } from './paths';
import { checkBeforeStart, checkConnections } from './preflight';
import { routingSummary, routingWarnings } from '../routing/describe';

interface ValidateFlags {
  readonly config: string;
  readonly printSchema?: boolean;
  readonly connect?: boolean;
  readonly connectTimeout: number;
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return n;
}

/**
 * `validate`: exit 0 when `run` would start, 2 with one line naming the field otherwise.
 * It runs the checks `run` runs before starting anything; `--connect` also reaches every
 * sink and the source once (exit 1 naming what could not be used).
 */
export function validateCommand(): Command {
  return new Command('validate')
    .description(
      'check a config file and the files and directories it names, without connecting (exit 0 valid, 2 invalid)',
    )
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--print-schema', 'print the config JSON Schema (for editors) and exit')
    .option(
      '--connect',
      "also run each sink's start-up check and one request to the source (exit 1 if one fails)",
    )
    .option(
      '--connect-timeout <seconds>',
      'with --connect: how long each check may take',
      positiveSeconds,
      30,
    )
    .action(async (flags: ValidateFlags) => {
      if (flags.printSchema) {
        process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
        process.exitCode = EXIT_OK;
        return;
      }
      process.exitCode = await validate(flags);
    });
}

async function validate(flags: ValidateFlags): Promise<number> {
  try {
    const { config, path } = loadConfig(flags.config);
    await checkBeforeStart(config, process.cwd());
    const sinks = Object.entries(config.sinks).map(([name, s]) => `${name} (${s.type})`);
    process.stdout.write(`${path}: valid; source ${config.source.base_url}; sinks: ${sinks.join(', ')}\n`);
    for (const [name, sink] of Object.entries(config.sinks))
      process.stdout.write(`  ${routingSummary(name, sink)}\n`);
    for (const warning of routingWarnings(config.sinks))
      process.stderr.write(`claude-audit-forwarder: warning: ${warning}\n`);
    if (!flags.connect) return EXIT_OK;
    const failures = await checkConnections(config, process.cwd(), flags.connectTimeout * 1000);
    for (const f of failures)
      process.stderr.write(`claude-audit-forwarder: cannot connect: ${f.name}: ${redact(f.problem)}\n`);
    if (failures.length > 0) return EXIT_FAILURE;
    process.stdout.write(`connected: the source and ${sinks.length} sink(s) answered\n`);
    return EXIT_OK;
  } catch (err) {
    return reportError(err);
  }
}
