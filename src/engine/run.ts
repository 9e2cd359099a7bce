import { setMaxListeners } from 'node:events';
import type { Experiment } from '../config/experiment.js';
import { inlineExecutor } from '../executors/inline.js';
import { MetaorchError } from '../model/errors.js';
import type { RunStatus } from '../store/records.js';
import type { Store, TrialSink } from '../store/store.js';
import { budgetGuard } from './budget.js';
import { adaptiveScheduler, type AdaptiveScheduler } from './adaptive.js';
import { startControllerShell, type ControllerShell } from './controller-shell.js';
import { gridScheduler } from './grid.js';
import { reward } from './objective.js';
import { newRunId } from './run-id.js';
import { runLoop } from './run-loop.js';
import { buildRuntime, type TrialRuntime } from './runtime.js';
import type { BackoffOptions } from './retry.js';
import type { Steering } from '../policies/steer.js';
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
  /** The controller's clock (stall check, command poll, metrics snapshot), default 1 s. */
  controllerClockMs?: number;
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
  return execute(runId, experiment, runtime, options, false);
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
  const writer = store.trialWriter(runId);
  let controller: ControllerShell | null = null;
  const scheduler = createScheduler(store, runId, experiment, writer, (seq) => controller!.steering(seq));
  if (experiment.controller) {
    const steerable = experiment.mode !== 'grid';
    controller = startControllerShell({
      runId, experiment, config: experiment.controller, store, writer, env: options.env ?? process.env, redact: runtime.redact, steerable,
      nextSeq: () => ('nextSeq' in scheduler ? (scheduler as AdaptiveScheduler).nextSeq : 0),
      ...(options.controllerClockMs ? { clockMs: options.controllerClockMs } : {}),
    });
  }
  const prior = store.runTotals(runId);
  const budget = budgetGuard(experiment.budget, { trials: prior.finished, cost: prior.cost, activeMs: store.getRun(runId)?.activeMs ?? 0 });
  let finished = prior.finished;
  let errors = prior.errors;
  const recorder: RunObserver = {
    onTrialStart: (spec) => writer.scheduled(spec),
    onTrialEnd: (spec, outcome) => {
      writer.finished(spec, outcome, reward(experiment.objective, outcome));
      finished++;
      if (outcome.status === 'error') errors++;
    },
  };
  const observers = [recorder, budget.observer, ...(controller ? [controller] : []), ...(options.observers ?? [])];
  const shouldStop = controller ? () => controller.shouldStop() ?? budget.shouldStop() : budget.shouldStop;
  for (const obs of observers) {
    obs.onRunStart?.({ runId, name: experiment.name, planned: scheduler.planned, alreadyFinished: prior.finished, variantIds: experiment.variants.map((v) => v.id), resumed });
  }
  const executor = (options.executor ?? inlineExecutor)(runtime);
  let stopReason: StopReason;
  try {
    stopReason = await runLoop({
      scheduler, executor, concurrency: experiment.concurrency, observers,
      shouldStop, stop: options.stop ?? never, cancel: options.cancel ?? never,
    });
  } catch (error) {
    await controller?.close();
    writer.close();
    store.updateRun(runId, { status: 'failed', finishedAt: Date.now(), activeMs: budget.activeMs(), pid: null, error: String(error) });
    throw error;
  } finally {
    await executor.close();
  }
  if ('decision' in scheduler && scheduler.decision) writer.event('decision', { kind: 'stop', ...scheduler.decision });
  await controller?.close();
  writer.close();
  const resumable = stopReason === 'interrupted' || stopReason === 'paused';
  const status: RunStatus = resumable ? 'interrupted' : finished > 0 && errors === finished ? 'failed' : 'completed';
  store.updateRun(runId, { status, finishedAt: Date.now(), activeMs: budget.activeMs(), stopReason, pid: null });
  const result: RunResult = { runId, status, stopReason, finished, errors };
  for (const obs of observers) await obs.onRunEnd?.({ runId, stopReason, finished, errors });
  return result;
}

/**
 * Grid: the deterministic plan minus what finished. Adaptive and continuous: the policy, rebuilt from
 * what finished; a continuous run is an adaptive one with no confidence stop that cycles its task
 * source until it is stopped or a budget is spent.
 */
function createScheduler(store: Store, runId: string, experiment: Experiment, writer: TrialSink, steering: (seq: number) => Steering): Scheduler {
  if (experiment.mode === 'adaptive' || experiment.mode === 'continuous') {
    const control = experiment.controller ? { steering } : undefined;
    return adaptiveScheduler(runId, experiment, store.adaptiveHistory(runId), (snapshot) => writer.event('policy', snapshot), undefined, control);
  }
  const planned = experiment.variants.length * experiment.tasks.length * experiment.repeats;
  const bitmap = store.finishedBitmap(runId, planned);
  return gridScheduler(runId, experiment, (seq) => ((bitmap[seq >> 3] ?? 0) & (1 << (seq & 7))) !== 0);
}

/** Trials a run will have: the grid's size, or an adaptive or continuous run's trial budget (null when open). */
export function plannedTrials(experiment: Experiment): number | null {
  if (experiment.mode !== 'grid') return experiment.budget.trials ?? null;
  return experiment.variants.length * experiment.tasks.length * experiment.repeats;
}


function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
