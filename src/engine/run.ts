import { setMaxListeners } from 'node:events';
import type { Experiment } from '../config/experiment.js';
import { inlineExecutor } from '../executors/inline.js';
import { MetaorchError } from '../model/errors.js';
import type { RunStatus } from '../store/records.js';
import type { Store, TrialSink } from '../store/store.js';
import { budgetGuard } from './budget.js';
import { gridScheduler } from './grid.js';
import { RunTotals, totalsFromQueries } from '../report/totals.js';
import { FileTasks } from '../tasks/file-tasks.js';
import { reward } from './objective.js';
import { newRunId } from './run-id.js';
import { plannedTrials } from './planned.js';

export { plannedTrials };
import { runLoop } from './run-loop.js';
import { buildRuntime, type TrialRuntime } from './runtime.js';
import type { BackoffOptions } from './retry.js';
import type { Executor, RunObserver, Scheduler, StopReason } from './types.js';

export interface RunOptions {
  store: Store;
  env?: NodeJS.ProcessEnv;
  observers?: RunObserver[];
  /** Aborting stops scheduling; in-flight trials may finish. */
  stop?: AbortSignal;
  /** Aborting cancels in-flight trials; they are left for resume. */
  cancel?: AbortSignal;
  executor?: (runtime: TrialRuntime) => Executor;
  backoff?: BackoffOptions;
  runId?: string;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  stopReason: StopReason;
  finished: number;
  errors: number;
}

/**
 * Creates a run in the store and executes it.
 *
 * @example
 * const result = await startRun(await loadExperiment('exp.yaml'), { store });
 */
export async function startRun(experiment: Experiment, options: RunOptions): Promise<RunResult> {
  const runId = options.runId ?? newRunId();
  const runtime = buildRuntime(experiment, options.env ?? process.env, options.backoff);
  options.store.createRun(runId, experiment, plannedTrials(experiment));
  // Tasks held in memory are used as they are. A large dataset file, just stored, is read again from
  // the file by a grid (in order, unchanged since validation: FileTasks checks); anything else reads the store.
  const streamed = experiment.tasks instanceof FileTasks && experiment.mode === 'grid';
  const tasks = Array.isArray(experiment.tasks) || streamed ? experiment.tasks : options.store.queries().tasks(runId);
  return execute(runId, { ...experiment, tasks }, runtime, options, false);
}

/**
 * Continues an interrupted or killed run: finished trials are never run or counted again; trials that
 * were in flight run again under the same ids.
 */
export async function resumeRun(runId: string, options: RunOptions): Promise<RunResult> {
  const { store } = options;
  const run = store.getRun(runId);
  if (!run) throw new MetaorchError('RUN_NOT_FOUND', `No run '${runId}'.`);
  if (run.status === 'running' && run.pid !== null && run.pid !== process.pid && isAlive(run.pid)) {
    throw new MetaorchError('USAGE', `Run ${runId} is still being executed by process ${run.pid}; stop it first (Ctrl-C there).`);
  }
  const experiment = store.loadExperiment(runId);
  const runtime = buildRuntime(experiment, options.env ?? process.env, options.backoff);
  store.updateRun(runId, { status: 'running', pid: process.pid, finishedAt: null, stopReason: null });
  return execute(runId, experiment, runtime, options, true);
}

async function execute(runId: string, experiment: Experiment, runtime: TrialRuntime, options: RunOptions, resumed: boolean): Promise<RunResult> {
  const { store } = options;
  const never = new AbortController().signal;
  // Every in-flight trial listens to the cancel signal: that is by design, not a leak.
  for (const signal of [options.cancel, options.stop, never]) if (signal) setMaxListeners(0, signal);
  // Grid resumes recompute the plan, so only trials still running a commit later need a scheduled row;
  // adaptive resumes redispatch every dispatched trial, so each gets one. Prompts are the templates rendered.
  const writer = store.trialWriter(runId, { scheduledRows: experiment.mode === 'grid' ? 'lingering' : 'all', derivedPrompts: true, firstAtOnce: true });
  const scheduler = await createScheduler(store, runId, experiment, writer);
  // The report's totals are kept as trials finish (a resumed run starts from what the store holds).
  const variantIds = experiment.variants.map((v) => v.id);
  if (resumed) store.saveRunStats(runId, null);
  const totals = resumed ? totalsFromQueries(store.queries(), runId, variantIds) : new RunTotals(variantIds);
  const prior = totals.variants().reduce((p, v) => ({ finished: p.finished + v.finished, errors: p.errors + v.errors, cost: p.cost + v.cost }), { finished: 0, errors: 0, cost: 0 });
  const budget = budgetGuard(experiment.budget, { trials: prior.finished, cost: prior.cost, activeMs: store.getRun(runId)?.activeMs ?? 0 });
  let finished = prior.finished;
  let errors = prior.errors;
  const objective = experiment.objective;
  const recorder: RunObserver = {
    onTrialStart: (spec) => writer.scheduled(spec),
    onTrialEnd: (spec, outcome) => {
      const r = reward(objective, outcome);
      writer.finished(spec, outcome, r);
      totals.addOutcome(spec.variantId, spec.seq, outcome, r);
      finished++;
      if (outcome.status === 'error') errors++;
    },
  };
  const observers = [recorder, budget.observer, ...(options.observers ?? [])];
  for (const obs of observers) {
    obs.onRunStart?.({ runId, name: experiment.name, planned: scheduler.planned, alreadyFinished: prior.finished, variantIds: experiment.variants.map((v) => v.id), resumed });
  }
  const executor = (options.executor ?? inlineExecutor)(runtime);
  let stopReason: StopReason;
  try {
    stopReason = await runLoop({
      scheduler, executor, concurrency: experiment.concurrency, observers,
      shouldStop: budget.shouldStop, stop: options.stop ?? never, cancel: options.cancel ?? never,
    });
  } catch (error) {
    writer.close();
    store.updateRun(runId, { status: 'failed', finishedAt: Date.now(), activeMs: budget.activeMs(), pid: null, error: String(error) });
    throw error;
  } finally {
    await executor.close();
  }
  if ('decision' in scheduler && scheduler.decision) writer.event('decision', { kind: 'stop', ...scheduler.decision });
  writer.close();
  const status: RunStatus = stopReason === 'interrupted' ? 'interrupted' : finished > 0 && errors === finished ? 'failed' : 'completed';
  store.saveRunStats(runId, totals.stats());
  store.updateRun(runId, { status, finishedAt: Date.now(), activeMs: budget.activeMs(), stopReason, pid: null });
  const result: RunResult = { runId, status, stopReason, finished, errors };
  for (const obs of observers) await obs.onRunEnd?.({ runId, stopReason, finished, errors });
  return result;
}

/** Grid: the deterministic plan minus what finished. Adaptive: the policy, rebuilt from what finished. */
async function createScheduler(store: Store, runId: string, experiment: Experiment, writer: TrialSink): Promise<Scheduler> {
  if (experiment.mode === 'adaptive') {
    // Loaded for adaptive runs only: the policies' tables are start-up time a grid does not need.
    const { adaptiveScheduler } = await import('./adaptive.js');
    return adaptiveScheduler(runId, experiment, store.adaptiveHistory(runId), (snapshot) => writer.event('policy', snapshot));
  }
  const planned = experiment.variants.length * experiment.tasks.length * experiment.repeats;
  const bitmap = store.finishedBitmap(runId, planned);
  return gridScheduler(runId, experiment, (seq) => ((bitmap[seq >> 3] ?? 0) & (1 << (seq & 7))) !== 0);
}



function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
