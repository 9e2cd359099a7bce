import { setMaxListeners } from 'node:events';
import type { Experiment } from '../config/experiment.js';
import type { ResponseCache } from '../cache/response-cache.js';
import { inlineExecutor } from '../executors/inline.js';
import { DiskFullError, isDiskFull, MetaorchError, RunBusyError } from '../model/errors.js';
import { LEASE_MS, newOwner, type RunOwner } from '../store/claim.js';
import type { RunStatus } from '../store/records.js';
import type { RunPatch, Store, TrialSink } from '../store/store.js';
import { budgetGuard } from './budget.js';
import { adaptiveScheduler } from './adaptive.js';
import { gridScheduler } from './grid.js';
import { reward } from './objective.js';
import { asStoreFailure, claimForResume, guardProcessExit, keepClaim } from './ownership.js';
import { newRunId } from './run-id.js';
import { runLoop } from './run-loop.js';
import { buildRuntime, type TrialRuntime } from './runtime.js';
import { warmRuntime } from './warm.js';
import type { BackoffOptions } from './retry.js';
import type { Executor, RunEndInfo, RunObserver, Scheduler, StopReason } from './types.js';

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
  /** Who executes the run (default: a new owner of this process). */
  owner?: RunOwner;
  /** How long the run's claim lasts without a heartbeat (default 60 s); renewed every sixth of it. */
  leaseMs?: number;
  /** The response cache this run reads and fills; none: every trial calls its variant. */
  cache?: ResponseCache;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  stopReason: StopReason;
  finished: number;
  errors: number;
}

/**
 * Creates a run in the store, claimed by this process, and executes it.
 *
 * @example
 * const result = await startRun(await loadExperiment('exp.yaml'), { store });
 */
export async function startRun(experiment: Experiment, options: RunOptions): Promise<RunResult> {
  const runId = options.runId ?? newRunId();
  const runtime = buildRuntime(experiment, options.env ?? process.env, options.backoff);
  if (options.cache) runtime.cache = options.cache;
  const owner = options.owner ?? newOwner();
  try {
    // Before the run exists and before any trial's clock: SDKs, modules and the engine's own code.
    await warmRuntime(runtime);
    options.store.createRun(runId, experiment, plannedTrials(experiment), owner);
  } catch (error) {
    await runtime.close();
    if (isDiskFull(error)) throw new DiskFullError('disk full: the run could not be created in the store; free space and run it again.', undefined, { cause: error });
    throw error;
  }
  return execute(runId, experiment, runtime, options, owner, false);
}

/**
 * Continues an interrupted or killed run: finished trials are never run or counted again; trials that
 * were in flight run again under the same ids. The run is claimed atomically first: while another
 * live process holds it, this throws RunBusyError and runs nothing.
 */
export async function resumeRun(runId: string, options: RunOptions): Promise<RunResult> {
  const { store } = options;
  const run = store.getRun(runId);
  if (!run) throw new MetaorchError('RUN_NOT_FOUND', `No run '${runId}'.`);
  const experiment = store.loadExperiment(runId);
  const runtime = buildRuntime(experiment, options.env ?? process.env, options.backoff);
  if (options.cache) runtime.cache = options.cache;
  const owner = options.owner ?? newOwner();
  try {
    await warmRuntime(runtime);
    claimForResume(store, runId, owner, options.leaseMs);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return execute(runId, experiment, runtime, options, owner, true);
}

/** One execution of a claimed run: what it runs, who owns it, and how it is stopped. */
interface Execution {
  runId: string;
  experiment: Experiment;
  runtime: TrialRuntime;
  options: RunOptions;
  owner: RunOwner;
  resumed: boolean;
  /** Stop scheduling: the caller's stop, or a store failure. */
  stop: AbortSignal;
  /** Cancel in-flight trials: the caller's cancel, or a store failure. */
  cancel: AbortSignal;
  /** Records the first store failure (a full disk, a lost claim) and halts the run. */
  failStore(error: unknown): void;
  storeFailure(): unknown;
}

/**
 * Executes a claimed run. Whatever happens, the run does not stay `running` while this process lives:
 * it ends completed, failed (with the error) or interrupted (with the reason). A store that cannot be
 * written (a full disk) or a lost claim stops scheduling and cancels what is in flight; what was
 * committed stays, and the run is recorded as interrupted when the store still takes that one write.
 */
async function execute(runId: string, experiment: Experiment, runtime: TrialRuntime, options: RunOptions, owner: RunOwner, resumed: boolean): Promise<RunResult> {
  const { store } = options;
  const never = new AbortController().signal;
  const halt = new AbortController();
  let failure: unknown = null;
  const failStore = (error: unknown) => {
    failure ??= error;
    halt.abort(error);
  };
  const stop = AbortSignal.any([options.stop ?? never, halt.signal]);
  const cancel = AbortSignal.any([options.cancel ?? never, halt.signal]);
  // Every in-flight trial listens to the cancel signal: that is by design, not a leak.
  for (const signal of [options.cancel, options.stop, never, stop, cancel]) if (signal) setMaxListeners(0, signal);
  const lease = keepClaim(store, runId, owner.token, options.leaseMs ?? LEASE_MS, failStore);
  const unguard = guardProcessExit(store, runId, owner.token);
  try {
    return await executeClaimed({ runId, experiment, runtime, options, owner, resumed, stop, cancel, failStore, storeFailure: () => failure });
  } finally {
    lease.stop();
    unguard();
  }
}

async function executeClaimed(x: Execution): Promise<RunResult> {
  const { runId, experiment, runtime, options, owner, failStore } = x;
  const { store } = options;
  let writer: TrialSink | undefined;
  let activeMs = (): number => 0;
  let finished = 0;
  let errors = 0;
  let observers: RunObserver[] = options.observers ?? [];
  let executor: Executor | undefined;
  let stopReason: StopReason = 'interrupted';
  let loopError: unknown = null;
  try {
    const sink = (writer = store.trialWriter(runId, { owner: owner.token, onError: failStore }));
    const prior = store.runTotals(runId);
    const budget = budgetGuard(experiment.budget, { trials: prior.finished, cost: prior.cost, activeMs: store.getRun(runId)?.activeMs ?? 0 });
    activeMs = budget.activeMs;
    finished = prior.finished;
    errors = prior.errors;
    const recorder: RunObserver = {
      onTrialStart: (spec) => sink.scheduled(spec),
      onTrialEnd: (spec, outcome) => {
        sink.finished(spec, outcome, reward(experiment.objective, outcome));
        finished++;
        if (outcome.status === 'error') errors++;
      },
    };
    observers = [recorder, budget.observer, ...observers];
    const scheduler = createScheduler(store, runId, experiment, sink);
    for (const obs of observers) {
      obs.onRunStart?.({ runId, name: experiment.name, planned: scheduler.planned, alreadyFinished: prior.finished, variantIds: experiment.variants.map((v) => v.id), resumed: x.resumed });
    }
    executor = (options.executor ?? inlineExecutor)(runtime);
    stopReason = await runLoop({
      scheduler, executor, concurrency: experiment.concurrency, observers,
      shouldStop: budget.shouldStop, stop: x.stop, cancel: x.cancel,
    });
    if ('decision' in scheduler && scheduler.decision) sink.event('decision', { kind: 'stop', ...scheduler.decision });
  } catch (error) {
    loopError = error;
  } finally {
    await (executor ? executor.close() : runtime.close()).catch(() => undefined);
  }
  try {
    writer?.close();
  } catch (error) {
    failStore(error);
  }
  const end = (patch: RunPatch): boolean => {
    try {
      return store.releaseRun(runId, owner.token, { finishedAt: Date.now(), activeMs: activeMs(), pid: null, ...patch });
    } catch (error) {
      failStore(error);
      return false;
    }
  };
  if (x.storeFailure() === null && loopError !== null) {
    const error = redactError(loopError, runtime.redact);
    end({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
    await notifyEnd(observers, { runId, stopReason: 'interrupted', finished, errors });
    throw error;
  }
  const status: RunStatus = x.storeFailure() !== null || stopReason === 'interrupted' ? 'interrupted' : finished > 0 && errors === finished ? 'failed' : 'completed';
  if (x.storeFailure() === null) end({ status, stopReason });
  if (x.storeFailure() !== null) {
    const failure = asStoreFailure(x.storeFailure(), runId, 'recording trials');
    // Only the owner writes: after a lost claim the run belongs to the process that took it over.
    if (!(failure instanceof RunBusyError)) end({ status: 'interrupted', stopReason: 'interrupted', error: isDiskFull(failure) ? 'disk full' : failure.message });
    await notifyEnd(observers, { runId, stopReason: 'interrupted', finished, errors });
    throw failure;
  }
  const result: RunResult = { runId, status, stopReason, finished, errors };
  for (const obs of observers) await obs.onRunEnd?.({ runId, stopReason, finished, errors });
  return result;
}

/** Tells observers the run ended after a failure; an observer failing then changes nothing. */
async function notifyEnd(observers: readonly RunObserver[], info: RunEndInfo): Promise<void> {
  for (const obs of observers) {
    try {
      await obs.onRunEnd?.(info);
    } catch {
      // the run's failure is what the caller must see
    }
  }
}

/** The error with secrets blanked from its message and stack, before it is stored or printed. */
function redactError(error: unknown, redact: (text: string) => string): unknown {
  if (!(error instanceof Error)) return new Error(redact(String(error)));
  error.message = redact(error.message);
  if (error.stack) error.stack = redact(error.stack);
  return error;
}

/** Grid: the deterministic plan minus what finished. Adaptive: the policy, rebuilt from what finished. */
function createScheduler(store: Store, runId: string, experiment: Experiment, writer: TrialSink): Scheduler {
  if (experiment.mode === 'adaptive') {
    return adaptiveScheduler(runId, experiment, store.adaptiveHistory(runId), (snapshot) => writer.event('policy', snapshot));
  }
  const planned = experiment.variants.length * experiment.tasks.length * experiment.repeats;
  const bitmap = store.finishedBitmap(runId, planned);
  return gridScheduler(runId, experiment, (seq) => ((bitmap[seq >> 3] ?? 0) & (1 << (seq & 7))) !== 0);
}

/** Trials a run will have: the grid's size, or an adaptive run's trial budget (null when open). */
export function plannedTrials(experiment: Experiment): number | null {
  if (experiment.mode === 'adaptive') return experiment.budget.trials ?? null;
  return experiment.variants.length * experiment.tasks.length * experiment.repeats;
}

