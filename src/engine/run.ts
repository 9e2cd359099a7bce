import { setMaxListeners } from 'node:events';
import type { Experiment } from '../config/experiment.js';
import type { ResponseCache } from '../cache/response-cache.js';
import { createRedactor, secretValues } from '../config/env.js';
import { createExecutor } from '../executors/registry.js';
import { DiskFullError, isDiskFull, MetaorchError, RunBusyError } from '../model/errors.js';
import { LEASE_MS, newOwner, type RunOwner } from '../store/claim.js';
import type { RunStatus } from '../store/records.js';
import type { RunPatch, Store, TrialSink } from '../store/store.js';
import { budgetGuard } from './budget.js';
import type { AdaptiveScheduler } from './adaptive.js';
import type { ControllerShell } from './controller-shell.js';
import { gridScheduler } from './grid.js';
import { RunTotals, totalsFromQueries } from '../report/totals.js';
import { reward } from './objective.js';
import { asStoreFailure, claimForResume, guardProcessExit, keepClaim } from './ownership.js';
import { plannedTrials } from './planned.js';
import { newRunId } from './run-id.js';
import { runLoop } from './run-loop.js';

export { plannedTrials };
import type { BackoffOptions } from './retry.js';
import type { Steering } from '../policies/steer.js';
import type { TopicSession } from '../topic/session.js';
import type { TaskSource } from './task-source.js';
import type { Executor, ExecutorFactory, RunEndInfo, RunObserver, Scheduler, StopReason } from './types.js';

export interface RunOptions {
  store: Store;
  env?: NodeJS.ProcessEnv;
  observers?: RunObserver[];
  /** Aborting stops scheduling; in-flight trials may finish. */
  stop?: AbortSignal;
  /** Aborting cancels in-flight trials; they are left for resume. */
  cancel?: AbortSignal;
  /** Where trials run; default: the executor the experiment names (`executor:`, else inline). */
  executor?: ExecutorFactory;
  backoff?: BackoffOptions;
  runId?: string;
  /** Who executes the run (default: a new owner of this process). */
  owner?: RunOwner;
  /** How long the run's claim lasts without a heartbeat (default 60 s); renewed every sixth of it. */
  leaseMs?: number;
  /** The response cache this run reads and fills; none: every trial calls its variant. */
  cache?: ResponseCache;
  /** The controller's clock (stall check, command poll, metrics snapshot), default 1 s. */
  controllerClockMs?: number;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  stopReason: StopReason;
  finished: number;
  errors: number;
  /** Why the executor stopped the run (producers crash-looping, Redis gone); the run is resumable. */
  error?: string;
}

/**
 * Creates a run in the store, claimed by this process, and executes it.
 *
 * @example
 * const result = await startRun(await loadExperiment('exp.yaml'), { store });
 */
export async function startRun(experiment: Experiment, options: RunOptions): Promise<RunResult> {
  const runId = options.runId ?? newRunId();
  const owner = options.owner ?? newOwner();
  // The executor is ready (processes started, Redis reached) before anything is written to the store.
  const failure = new ExecutorFailure();
  const executor = await openExecutor(runId, experiment, options, false, failure);
  try {
    options.store.createRun(runId, experiment, plannedTrials(experiment), owner);
  } catch (error) {
    await executor.close().catch(() => undefined);
    if (isDiskFull(error)) throw new DiskFullError('disk full: the run could not be created in the store; free space and run it again.', undefined, { cause: error });
    throw error;
  }
  // Tasks held in memory are used as they are. A large dataset file, just stored, is read from the
  // store (in chunks, in order for a grid): measured at 333,334 tasks, about 5% faster for the whole run than
  // parsing and shaping each line of the file a third time, and the file may change under the run.
  const tasks = Array.isArray(experiment.tasks) ? experiment.tasks : options.store.queries().tasks(runId);
  return execute({ runId, experiment: { ...experiment, tasks }, executor, options, owner, resumed: false, failure });
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
  if (experiment.mode === 'workflow') throw new MetaorchError('USAGE', `Run ${runId} is a workflow run: resume it with metaorch workflow resume ${runId}`);
  const owner = options.owner ?? newOwner();
  // Claim first: an executor opened for a run another process still executes could adopt its jobs.
  claimForResume(store, runId, owner, options.leaseMs);
  const failure = new ExecutorFailure();
  let executor: Executor;
  try {
    executor = await openExecutor(runId, experiment, options, true, failure);
  } catch (error) {
    // Nothing ran: the run goes back to how it was, resumable, for the next try.
    store.releaseRun(runId, owner.token, { status: run.status === 'running' ? 'interrupted' : run.status, pid: null });
    throw error;
  }
  return execute({ runId, experiment, executor, options, owner, resumed: true, failure });
}

/** The first error an executor reported through `fail`; aborting its signal stops and cancels the run. */
class ExecutorFailure {
  private readonly controller = new AbortController();
  error: Error | null = null;
  readonly signal = this.controller.signal;
  readonly fail = (error: Error): void => {
    if (this.error) return;
    this.error = error;
    this.controller.abort(error);
  };
}

/** Builds the run's executor and waits until it can run trials. */
function openExecutor(runId: string, experiment: Experiment, options: RunOptions, resumed: boolean, failure: ExecutorFailure): Promise<Executor> {
  const context = {
    runId, experiment, env: options.env ?? process.env, resumed, fail: failure.fail,
    ...(options.backoff ? { backoff: options.backoff } : {}), ...(options.cache ? { cache: options.cache } : {}),
  };
  return Promise.resolve((options.executor ?? createExecutor)(context));
}

/** What one execution of a claimed run is given. */
interface ExecuteInput {
  runId: string;
  experiment: Experiment;
  executor: Executor;
  options: RunOptions;
  owner: RunOwner;
  resumed: boolean;
  failure: ExecutorFailure;
}

/** One execution of a claimed run: what it runs, who owns it, and how it is stopped. */
interface Execution extends ExecuteInput {
  redact: (text: string) => string;
  /** Stop scheduling: the caller's stop, the executor's failure, or a store failure. */
  stop: AbortSignal;
  /** Cancel in-flight trials: the caller's cancel, the executor's failure, or a store failure. */
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
 * An executor that fails (producers crash-looping, Redis gone) does the same, with its error.
 */
async function execute(input: ExecuteInput): Promise<RunResult> {
  const { runId, experiment, options, owner, failure: executorFailure } = input;
  const { store } = options;
  const never = new AbortController().signal;
  const halt = new AbortController();
  let failure: unknown = null;
  const failStore = (error: unknown) => {
    failure ??= error;
    halt.abort(error);
  };
  const stop = AbortSignal.any([options.stop ?? never, halt.signal, executorFailure.signal]);
  const cancel = AbortSignal.any([options.cancel ?? never, halt.signal, executorFailure.signal]);
  // Every in-flight trial listens to the cancel signal: that is by design, not a leak.
  for (const signal of [options.cancel, options.stop, never, stop, cancel]) if (signal) setMaxListeners(0, signal);
  const redact = createRedactor(secretValues([experiment.variants, experiment.scorers, experiment.executor], options.env ?? process.env));
  const lease = keepClaim(store, runId, owner.token, options.leaseMs ?? LEASE_MS, failStore);
  const unguard = guardProcessExit(store, runId, owner.token);
  try {
    return await executeClaimed({ ...input, redact, stop, cancel, failStore, storeFailure: () => failure });
  } finally {
    lease.stop();
    unguard();
  }
}

async function executeClaimed(x: Execution): Promise<RunResult> {
  const { runId, experiment, options, owner, failStore } = x;
  const { store } = options;
  let writer: TrialSink | undefined;
  let activeMs = (): number => 0;
  let finished = 0;
  let errors = 0;
  let observers: RunObserver[] = options.observers ?? [];
  let stopReason: StopReason = 'interrupted';
  let loopError: unknown = null;
  let controller: ControllerShell | null = null;
  let totals: RunTotals | null = null;
  let topic: TopicSession | null = null;
  let executor = x.executor;
  try {
    // Grid resumes recompute the plan, so only trials still running a commit later need a scheduled row;
    // adaptive resumes redispatch every dispatched trial, so each gets one. Prompts are the templates rendered.
    const sink = (writer = store.trialWriter(runId, {
      owner: owner.token, onError: failStore, scheduledRows: experiment.mode === 'grid' ? 'lingering' : 'all', derivedPrompts: true, firstAtOnce: true,
    }));
    // The report's totals are kept as trials finish (a resumed run starts from what the store holds).
    const variantIds = experiment.variants.map((v) => v.id);
    if (x.resumed) store.saveRunStats(runId, null);
    const kept = x.resumed ? totalsFromQueries(store.queries(), runId, variantIds) : new RunTotals(variantIds);
    totals = kept;
    const prior = kept.variants().reduce((p, v) => ({ finished: p.finished + v.finished, errors: p.errors + v.errors, cost: p.cost + v.cost }), { finished: 0, errors: 0, cost: 0 });
    const budget = budgetGuard(experiment.budget, { trials: prior.finished, cost: prior.cost, activeMs: store.getRun(runId)?.activeMs ?? 0 });
    activeMs = budget.activeMs;
    finished = prior.finished;
    errors = prior.errors;
    const recorder: RunObserver = {
      onTrialStart: (spec) => sink.scheduled(spec),
      onTrialEnd: (spec, outcome) => {
        const r = reward(experiment.objective, outcome);
        sink.finished(spec, outcome, r);
        kept.addOutcome(spec.variantId, spec.seq, outcome, r);
        finished++;
        if (outcome.status === 'error') errors++;
      },
    };
    // A topic run: tasks are requests built per trial, the master dedups each reply as it comes back.
    if (experiment.topic) {
      // Loaded for topic runs only (start-up time other runs do not need).
      const { openTopicSession } = await import('../topic/session.js');
      topic = openTopicSession({ runId, experiment, store, sink, ...(options.env ? { env: options.env } : {}) });
      executor = topic.wrap(executor);
    } else if (experiment.scorers.some((s) => s.type === 'unique-items')) {
      // unique-items decided here, the one writer, against the whole run's items (src/topic/run-unique.ts).
      const { runUniqueItems } = await import('../topic/run-unique.js');
      executor = runUniqueItems(experiment, x.resumed ? store.queries() : null, runId)?.wrap(executor) ?? executor;
    }
    const scheduler = await createScheduler(store, runId, experiment, sink, (seq) => controller!.steering(seq), topic?.source);
    if (experiment.controller) {
      // Loaded for runs with a controller only.
      const { startControllerShell } = await import('./controller-shell.js');
      controller = startControllerShell({
        runId, experiment, config: experiment.controller, store, writer: sink, env: options.env ?? process.env, redact: x.redact,
        steerable: experiment.mode !== 'grid',
        nextSeq: () => ('nextSeq' in scheduler ? (scheduler as AdaptiveScheduler).nextSeq : 0),
        ...(options.controllerClockMs ? { clockMs: options.controllerClockMs } : {}),
      });
    }
    const shell = controller;
    observers = [recorder, ...(topic ? [topic.observer] : []), budget.observer, ...(shell ? [shell] : []), ...observers];
    const shouldStop = shell ? () => shell.shouldStop() ?? budget.shouldStop() : budget.shouldStop;
    for (const obs of observers) {
      obs.onRunStart?.({ runId, name: experiment.name, planned: scheduler.planned, alreadyFinished: prior.finished, variantIds: experiment.variants.map((v) => v.id), resumed: x.resumed });
    }
    stopReason = await runLoop({
      scheduler, executor, concurrency: experiment.concurrency + (executor.prefetch ?? 0), observers,
      shouldStop, stop: x.stop, cancel: x.cancel,
    });
    if ('decision' in scheduler && scheduler.decision) sink.event('decision', { kind: 'stop', ...scheduler.decision });
  } catch (error) {
    loopError = error;
  } finally {
    await executor.close().catch(() => undefined);
  }
  try {
    topic?.close();
  } catch (error) {
    loopError ??= error;
  }
  try {
    await controller?.close();
  } catch (error) {
    loopError ??= error;
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
    const error = redactError(loopError, x.redact);
    end({ status: 'failed', error: error instanceof Error ? error.message : String(error) });
    await notifyEnd(observers, { runId, stopReason: 'interrupted', finished, errors });
    throw error;
  }
  // A run the controller paused is resumable, like an interrupted one.
  const resumable = x.storeFailure() !== null || stopReason === 'interrupted' || stopReason === 'paused';
  const status: RunStatus = resumable ? 'interrupted' : finished > 0 && errors === finished ? 'failed' : 'completed';
  const executorError = x.failure.error ? x.redact(x.failure.error.message) : undefined;
  if (x.storeFailure() === null && totals) {
    try {
      store.saveRunStats(runId, totals.stats());
    } catch (error) {
      failStore(error);
    }
  }
  if (x.storeFailure() === null) end({ status, stopReason, ...(executorError ? { error: executorError } : {}) });
  if (x.storeFailure() !== null) {
    const failure = asStoreFailure(x.storeFailure(), runId, 'recording trials');
    // Only the owner writes: after a lost claim the run belongs to the process that took it over.
    if (!(failure instanceof RunBusyError)) end({ status: 'interrupted', stopReason: 'interrupted', error: isDiskFull(failure) ? 'disk full' : failure.message });
    await notifyEnd(observers, { runId, stopReason: 'interrupted', finished, errors });
    throw failure;
  }
  const result: RunResult = { runId, status, stopReason, finished, errors, ...(executorError ? { error: executorError } : {}) };
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

/**
 * Grid: the deterministic plan minus what finished. Adaptive and continuous: the policy, rebuilt from
 * what finished; a continuous run is an adaptive one with no confidence stop that cycles its task
 * source until it is stopped or a budget is spent.
 */
async function createScheduler(store: Store, runId: string, experiment: Experiment, writer: TrialSink, steering: (seq: number) => Steering, tasks?: TaskSource): Promise<Scheduler> {
  if (experiment.mode === 'adaptive' || experiment.mode === 'continuous') {
    const control = experiment.controller ? { steering } : undefined;
    // Loaded for adaptive and continuous runs only: the policies' tables are start-up time a grid does not need.
    const { adaptiveScheduler } = await import('./adaptive.js');
    return adaptiveScheduler(runId, experiment, store.adaptiveHistory(runId), (snapshot) => writer.event('policy', snapshot), tasks, control);
  }
  const planned = experiment.variants.length * experiment.tasks.length * experiment.repeats;
  const bitmap = store.finishedBitmap(runId, planned);
  return gridScheduler(runId, experiment, (seq) => ((bitmap[seq >> 3] ?? 0) & (1 << (seq & 7))) !== 0);
}
