import { Command } from 'commander';
import { loadConfig } from '../config/load';
import { configJsonSchema } from '../config/schema';
import { EXIT_OK, reportError } from './exit';
import { DEFAULT_CONFIG_PATH } from './paths';

/** `validate`: exit 0 when the config is valid, 2 with one line naming the field otherwise. */
export function validateCommand(): Command {
  return new Command('validate')
    .description('check a config file without starting anything (exit 0 valid, 2 invalid)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_PATH)
    .option('--print-schema', 'print the config JSON Schema (for editors) and exit')
    .action((opts: { config: string; printSchema?: boolean }) => {
      if (opts.printSchema) {
        process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
        process.exitCode = EXIT_OK;
        return;
      }
      try {
        const { config, path } = loadConfig(opts.config);
        const sinks = Object.entries(config.sinks).map(([name, s]) => `${name} (${s.type})`);
        process.stdout.write(`${path}: valid; source ${config.source.base_url}; sinks: ${sinks.join(', ')}\n`);
        process.exitCode = EXIT_OK;
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}
