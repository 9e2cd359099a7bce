import { join, relative } from 'node:path';
import { Command, Option } from 'commander';
import type { ExecutorConfig } from '../../config/executor.js';
import type { RunOptions, RunResult } from '../../engine/run.js';
import type { ExecutorFactory } from '../../engine/types.js';
import { DiskFullError, UsageError } from '../../model/errors.js';
import { reportTable } from '../../report/console.js';
import { fmt } from '../../report/format.js';
import type { SqliteStore } from '../../store/sqlite-store.js';
import { dbPath, defaultOutDir } from '../context.js';
import { consoleProgress, type ConsoleProgress } from '../progress.js';
import { cacheOptions, envFileOption, prepareExperiment, responseCache, selectionOptions, type ExperimentFlags } from '../run-options.js';
import { requireStore } from '../store-check.js';
import { interruptSignals, type InterruptNotices } from '../signals.js';
import type { WinnerVerdict } from '../../report/winner.js';

/** What a run needs, loaded when one starts: `metaorch --version`, `--help` and other commands never load it. */
const engine = () => Promise.all([
  import('../../engine/run.js'), import('../../engine/run-id.js'), import('../../store/sqlite-store.js'), import('../../config/executor.js'), import('../../config/env-file.js'),
]).then(([run, id, store, executor, envFile]) => ({ ...run, ...id, ...store, ...executor, ...envFile }));

/** Exit statuses of a run: 0 success, 1 finished but failed, paused by the controller, or its executor failed; 130 interrupted (75 disk full: see DiskFullError). */
export function exitStatusOf(result: RunResult): number {
  if (result.error || result.stopReason === 'paused') return 1;
  return result.status === 'interrupted' ? 130 : result.status === 'failed' ? 1 : 0;
}

interface RunFlags extends ExperimentFlags {
  db?: string;
  out?: string;
  grace: string;
  progress: boolean;
  executor?: string;
}

const executorOption = () =>
  new Option('--executor <spec>', 'where trials run, overriding the file: inline | pool[,workers=N] | bullmq,redis=URL[,queue=NAME]');

const dbOption = () => new Option('--db <path>', 'SQLite store (default: $METAORCH_DB or .metaorch/metaorch.db)');
const outOption = () => new Option('--out <dir>', 'where to write summary.md and summary.json (default: .metaorch/runs/RUN/)');
const graceOption = () => new Option('--grace <seconds>', 'on Ctrl-C, how long in-flight trials may finish').default('10');

export function runCommand(): Command {
  const command = new Command('run')
    .description('validate an experiment file, run it, record every trial, write the report')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .addOption(dbOption())
    .addOption(outOption())
    .addOption(graceOption())
    .option('--no-progress', 'no live progress view')
    .addOption(executorOption());
  return cacheOptions(selectionOptions(envFileOption(command)))
    .action(async (file: string, flags: RunFlags) => {
      const { parseExecutorFlag, plannedTrials, startRun, newRunId, SqliteStore, describeExecutor } = await engine();
      const { experiment: loaded } = await prepareExperiment(file, flags, flags.executor !== undefined ? { executor: parseExecutorFlag(flags.executor) } : {});
      const db = dbPath(flags.db);
      const store = SqliteStore.open(db, { checkpointer: true });
      const cache = await responseCache(flags, loaded, db, loaded.executor);
      // What the run did is stored with it: resume uses the cache as this run did.
      const experiment = cache ? { ...loaded, cache: true } : loaded.cache ? { ...loaded, cache: false } : loaded;
      const runId = newRunId();
      const planned = plannedTrials(experiment);
      const policy = experiment.policy?.name ?? 'policy';
      const plan = experiment.mode === 'grid' ? `${fmt.int(planned ?? 0)} trials planned`
        : experiment.mode === 'continuous' ? `continuous (${policy}), until stopped${planned === null ? '' : ` or ${fmt.int(planned)} trials`}`
          : planned === null ? `adaptive, ${policy}` : `${fmt.int(planned)} trials at most, adaptive (${policy})`;
      const where = experiment.executor && experiment.executor.type !== 'inline' ? `, executor ${describeExecutor(experiment.executor)}` : '';
      console.log(`Run ${runId} (${experiment.name}): ${plan}, seed ${experiment.seed}${where}${cache ? ', response cache on' : ''}. Store: ${relativePath(db)}`);
      try {
        process.exitCode = await execute(store, db, flags, (options) => startRun(experiment, { ...options, runId, ...(cache ? { cache } : {}) }));
      } finally {
        cache?.close();
      }
    });
}

export function resumeCommand(): Command {
  const command = new Command('resume')
    .description('continue an interrupted or killed run; finished trials are never run or counted again')
    .argument('<run>', 'run id, unique prefix, or "latest"')
    .addOption(dbOption())
    .addOption(outOption())
    .addOption(graceOption())
    .option('--no-progress', 'no live progress view')
    .addOption(executorOption());
  return cacheOptions(envFileOption(command))
    .action(async (ref: string, flags: RunFlags) => {
      const { resumeRun, SqliteStore, describeExecutor, readEnvFile } = await engine();
      const override = flags.executor !== undefined ? await executorOverride(flags.executor) : undefined;
      const db = dbPath(flags.db);
      requireStore(db);
      const store = SqliteStore.open(db, { checkpointer: true });
      const runId = store.resolveRunId(ref);
      const run = store.getRun(runId);
      if (run?.mode === 'workflow') {
        store.close();
        throw new UsageError(`Run ${runId} is a workflow run: resume it with metaorch workflow resume ${runId}`);
      }
      if (run && (run.status === 'completed' || run.status === 'failed')) {
        console.log(`Run ${runId} already ${run.status}; nothing to resume.`);
        (await import('../reports.js')).writeReports(store, runId, flags.out ?? defaultOutDir(db, runId));
        process.exitCode = run.status === 'failed' ? 1 : 0;
        store.close();
        return;
      }
      // The experiment's .env (or --env-file), as when the run started: variables already set win.
      if (run) for (const [name, value] of Object.entries(readEnvFile(run.source, flags.envFile, process.env).env)) process.env[name] ??= value;
      const stored = store.queries().runConfig(runId);
      const executor = override?.config ?? stored.executor;
      const cache = await responseCache(flags, { cache: stored.cache === true }, db, executor);
      const where = executor && executor.type !== 'inline' ? ` on executor ${describeExecutor(executor)}` : '';
      console.log(`Resuming run ${runId}${where}${cache ? ', response cache on' : ''}. Store: ${relativePath(db)}`);
      try {
        process.exitCode = await execute(store, db, flags, (options) => resumeRun(runId, { ...options, ...(override ? { executor: override.factory } : {}), ...(cache ? { cache } : {}) }));
      } finally {
        cache?.close();
      }
    });
}

/** `--executor` on resume: the run continues on another executor than the one it was started with. */
async function executorOverride(flag: string): Promise<{ config: ExecutorConfig; factory: ExecutorFactory }> {
  const [{ validateExecutor, parseExecutorFlag }, { createExecutor }] = await Promise.all([import('../../config/executor.js'), import('../../executors/registry.js')]);
  const { config, issues } = validateExecutor(parseExecutorFlag(flag));
  if (!config) throw new UsageError(`--executor: ${issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`);
  return { config, factory: (ctx) => createExecutor({ ...ctx, experiment: { ...ctx.experiment, executor: config } }) };
}

async function execute(
  store: SqliteStore,
  db: string,
  flags: RunFlags,
  go: (options: RunOptions) => Promise<RunResult>,
): Promise<number> {
  const graceSeconds = Number(flags.grace);
  // The view counts what is in flight even without a bar (--no-progress): Ctrl-C says how many.
  const progress = consoleProgress(process.stderr, { quiet: !flags.progress });
  const graceMs = Number.isFinite(graceSeconds) && graceSeconds >= 0 ? graceSeconds * 1000 : 10_000;
  const signals = interruptSignals(graceMs, interruptNotices(progress));
  try {
    const observers = [progress];
    let result: RunResult;
    try {
      result = await go({ store, observers, stop: signals.stop, cancel: signals.cancel });
    } catch (error) {
      if (error instanceof DiskFullError && error.runId !== undefined) throw diskFull(store, db, error.runId, error);
      throw error;
    }
    const dir = flags.out ?? defaultOutDir(db, result.runId);
    const { writeReports } = await import('../reports.js');
    const report = writeReports(store, result.runId, dir);
    console.log(`\n${reportTable(report)}\n`);
    const { errorsText } = await import('../../report/errors-text.js');
    const errors = errorsText(report.topErrors, report.otherErrors);
    if (errors) console.log(errors);
    console.log(summaryLine(result, report.winner, report.variants.reduce((n, v) => n + v.cached, 0)));
    if (result.error) console.log(`The run stopped because of its executor: ${result.error}`);
    if (store.queries().runConfig(result.runId).controller) {
      const [{ summaryText }, { summariseDecisions }] = await Promise.all([import('./decisions.js'), import('../../report/decisions.js')]);
      console.log(`${summaryText(summariseDecisions(store.controller.list(result.runId)))} See: metaorch decisions ${result.runId}`);
    }
    console.log(`Report: ${relativePath(join(dir, 'summary.md'))} (and summary.json)`);
    if (result.status === 'interrupted') console.log(`Resume with: metaorch resume ${result.runId}`);
    return exitStatusOf(result);
  } finally {
    signals.dispose();
    store.close();
  }
}

/** What a run stopped by a full disk prints: how much is safe, where, and how to go on. */
function diskFull(store: SqliteStore, db: string, runId: string, cause: unknown): DiskFullError {
  let safe = 'its finished trials are';
  try {
    const n = store.runTotals(runId).finished;
    safe = `${fmt.int(n)} trial${n === 1 ? ' is' : 's are'}`;
  } catch {
    // a store that cannot even be read: say it without the count
  }
  return new DiskFullError(`disk full: ${safe} safe in ${relativePath(db)}; free space and run \`metaorch resume ${runId}\``, runId, { cause });
}

/** The Ctrl-C lines, printed above the progress bar so they stay on screen until the command exits. */
function interruptNotices(progress: ConsoleProgress): InterruptNotices {
  return {
    stopping: (signal, graceMs) => {
      const n = progress.inFlight;
      progress.notice(`${signal}: stopping: ${fmt.int(n)} in flight, Ctrl-C again to cancel${n ? ` (they have ${Math.round(graceMs / 1000)}s to finish)` : ''}`);
    },
    cancelling: (signal, why) => {
      const n = progress.inFlight;
      const what = `${fmt.int(n)} trial${n === 1 ? '' : 's'} in flight`;
      progress.notice(`${why === 'signal' ? signal : 'grace period over'}: cancelling ${what}; \`metaorch resume\` runs ${n === 1 ? 'it' : 'them'} again`);
    },
  };
}

/** The last line: how the run ended and the one answer to "who won" (the report's, word for word). */
export function summaryLine(r: RunResult, winner: WinnerVerdict, cached = 0): string {
  const what = r.stopReason === 'paused' ? 'PAUSED by the controller (see metaorch decisions)'
    : r.status === 'completed' ? 'completed' : r.status === 'failed' ? 'FAILED (every trial errored: see the errors above)' : 'interrupted';
  const reason = r.stopReason.startsWith('budget') ? ` (${r.stopReason})` : r.stopReason === 'confident' ? ' (stopping rule met)' : '';
  const fromCache = cached > 0 ? ` (${fmt.int(cached)} from the response cache)` : '';
  return `Run ${r.runId} ${what}${reason}: ${fmt.int(r.finished)} trials${fromCache}, ${fmt.int(r.errors)} errors; ${winner.text}.`;
}

export function relativePath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel.startsWith('..') ? p : rel;
}
