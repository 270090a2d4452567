import { Command, CommanderError } from 'commander';
import { VERSION } from '../version';
import { runCommand } from './run';
import { validateCommand } from './validate';
import { checkpointCommand } from './checkpoint';
import { simulateCommand } from './simulate';
import { exportCommand, queryCommand } from './query';
import { EXIT_USAGE, reportError } from './exit';
import { verifyLogCommand } from './verify-log';

export function buildProgram(): Command {
  const program = new Command('claude-audit-forwarder')
    .description(
      'Forward Claude Compliance API audit activity to Splunk HEC, Kafka, syslog and files (OCSF 1.8, ECS or raw).',
    )
    .version(VERSION, '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(runCommand());
  program.addCommand(validateCommand());
  program.addCommand(simulateCommand());
  program.addCommand(checkpointCommand());
  program.addCommand(queryCommand());
  program.addCommand(exportCommand());
  program.addCommand(verifyLogCommand());
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage mistakes exit 2.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    process.exitCode = reportError(err);
  }
}
