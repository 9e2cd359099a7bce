import { Command, CommanderError } from 'commander';
import { EXIT_STATUS, MetaorchError } from '../model/errors.js';
import { VERSION } from '../version.js';

type CommandLoader = () => Promise<Command[]>;

/** Each command's module, by the names it defines: only the one asked for is loaded. */
const COMMANDS: readonly [readonly string[], CommandLoader][] = [
  [['init'], async () => [(await import('./commands/init.js')).initCommand()]],
  [['run', 'resume'], async () => { const m = await import('./commands/run.js'); return [m.runCommand(), m.resumeCommand()]; }],
  [['validate'], async () => [(await import('./commands/validate.js')).validateCommand()]],
  [['runs'], async () => [(await import('./commands/runs.js')).runsCommand()]],
  [['report', 'export'], async () => { const m = await import('./commands/report.js'); return [m.reportCommand(), m.exportCommand()]; }],
  [['compare'], async () => [(await import('./commands/compare.js')).compareCommand()]],
  [['schema'], async () => [(await import('./commands/schema.js')).schemaCommand()]],
  [['simulate'], async () => [(await import('./commands/simulate.js')).simulateCommand()]],
  [['serve'], async () => [(await import('./commands/serve.js')).serveCommand()]],
  [['orchestrator'], async () => [(await import('./commands/orchestrator.js')).orchestratorCommand()]],
  [['worker'], async () => [(await import('./commands/worker.js')).workerCommand()]],
  [['workflow'], async () => [(await import('./commands/workflow.js')).workflowCommand()]],
  [['gateway'], async () => [(await import('./commands/gateway.js')).gatewayCommand()]],
  [['decisions', 'undo'], async () => { const m = await import('./commands/decisions.js'); return [m.decisionsCommand(), m.undoCommand()]; }],
];

/**
 * Builds the `metaorch` program; exported so tests can drive it in process. With `argv`, only the
 * module of the command it names is loaded (every command otherwise: help, a mistyped name), and
 * command modules only describe their command: each action imports what it needs when it runs, so
 * a command starts without loading the others' dependencies.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('metaorch')
    .description('meta-orchestrator: find the best AI agent variant with few trials, then send the work there')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const named = COMMANDS.filter(([names]) => names.includes(argv[0] ?? ''));
  const loaders = named.length ? named : COMMANDS;
  for (const commands of await Promise.all(loaders.map(([, load]) => load()))) {
    for (const command of commands) program.addCommand(command.exitOverride());
  }
  return program;
}

/** Maps every failure to a clear message and its exit status: 2 for what the user must fix. */
export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'user' });
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
