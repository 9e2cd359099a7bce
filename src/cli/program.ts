import { Command, CommanderError } from 'commander';
import { EXIT_STATUS, MetaorchError } from '../model/errors.js';
import { compareCommand } from './commands/compare.js';
import { exportCommand, reportCommand } from './commands/report.js';
import { resumeCommand, runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
import { schemaCommand } from './commands/schema.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { validateCommand } from './commands/validate.js';
import { VERSION } from '../version.js';

/**
 * Builds the `metaorch` program; exported so tests can drive it in process. Command modules only
 * describe their command (commander options): each action imports what it needs when it runs, so
 * `metaorch --help` and every command start without loading the others' dependencies.
 */
export function buildProgram(): Command {
  const program = new Command('metaorch')
    .description('meta-orchestrator: find the best AI agent variant with few trials, then send the work there')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [runCommand(), resumeCommand(), validateCommand(), runsCommand(), reportCommand(), exportCommand(), compareCommand(), schemaCommand(), simulateCommand(), serveCommand()]) {
    program.addCommand(command.exitOverride());
  }
  return program;
}

/** Maps every failure to a clear message and its exit status: 2 for what the user must fix. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    if (error instanceof MetaorchError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT_STATUS[error.code];
    }
    process.stderr.write(`error: ${error instanceof Error ? (process.env['METAORCH_DEBUG'] ? error.stack : error.message) : String(error)}\n`);
    return 1;
  }
}
