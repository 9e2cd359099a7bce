#!/usr/bin/env -S node --
// `node --`: Node 20 reads `--env-file` anywhere on the command line and exits when the file is
// missing, before this program runs; after `--` the flag is this program's (metaorch run --env-file).
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError } from 'commander';
import { EXIT_STATUS, MetaorchError } from '../model/errors.js';
import { compareCommand } from './commands/compare.js';
import { initCommand } from './commands/init.js';
import { orchestratorCommand } from './commands/orchestrator.js';
import { workerCommand } from './commands/worker.js';
import { decisionsCommand, undoCommand } from './commands/decisions.js';
import { exportCommand, reportCommand } from './commands/report.js';
import { resumeCommand, runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
import { schemaCommand } from './commands/schema.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { validateCommand } from './commands/validate.js';
import { workflowCommand } from './commands/workflow.js';
import { VERSION } from '../version.js';

// A run allocates short-lived objects at a high rate, and V8's default heap growth lets the old
// generation reach about four times the live set between full collections (40 MB live, 180 MB heap).
// Growing it by a fifth instead keeps a long run's peak memory near its live set; the GC cost is not
// measurable in bench/core.bench.ts. V8 reads this flag at every collection, so setting it here works.
setFlagsFromString('--heap-growing-percent=20');

/** Builds the `metaorch` program; exported so tests can drive it in process. */
export function buildProgram(): Command {
  const program = new Command('metaorch')
    .description('meta-orchestrator: find the best AI agent variant with few trials, then send the work there')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [initCommand(), runCommand(), resumeCommand(), validateCommand(), runsCommand(), reportCommand(), exportCommand(), compareCommand(), schemaCommand(), simulateCommand(), serveCommand(), orchestratorCommand(), workerCommand(), workflowCommand(), decisionsCommand(), undoCommand()]) {
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

// `metaorch export RUN | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Let stdout drain, then leave even if a user module left a handle open.
setTimeout(() => process.exit(code), 50).unref();
