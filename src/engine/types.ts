import type { ResponseCache } from '../cache/response-cache.js';
import type { Experiment } from '../config/experiment.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { BackoffOptions } from './retry.js';

/**
 * Where trials execute: in process (inline), in child processes (pool), on remote workers (bullmq).
 * Every executor ends in the same `runTrial`.
 */
export interface Executor {
  readonly name: string;
  /**
   * Rejects with TrialCancelled when `cancel` aborts before the trial finished. May return the outcome
   * directly when the trial finished in the same tick (see runTrial).
   */
  run(spec: TrialSpec, cancel: AbortSignal): TrialOutcome | Promise<TrialOutcome>;
  close(): Promise<void>;
  /**
   * Trials the engine may hand over beyond the run's concurrency, for an executor that holds the
   * number running at once to the concurrency itself and keeps the rest queued where they run (the
   * pool: a round trip to the master would otherwise idle each freed slot). Absent: none.
   */
  readonly prefetch?: number;
}

/** What building an executor for one run needs. */
export interface ExecutorContext {
  runId: string;
  /** The validated experiment (`${ENV}` references intact); its `executor` says which one. */
  experiment: Experiment;
  /** Where `${ENV}` references resolve in this process. */
  env: NodeJS.ProcessEnv;
  backoff?: BackoffOptions;
  /** The response cache the run reads and fills (`cache: true`, `--cache`); only the inline executor uses it. */
  cache?: ResponseCache;
  resumed: boolean;
  /**
   * For an executor that can no longer run trials (its producers crash-loop, its Redis is gone):
   * the run stops scheduling, in-flight trials are cancelled (resume runs them again), and the run
   * is recorded as interrupted with this error.
   */
  fail(error: Error): void;
}

/**
 * Builds an executor, resolving once it can run trials (processes started, Redis reached): nothing is
 * written to the store before.
 */
export type ExecutorFactory = (context: ExecutorContext) => Executor | Promise<Executor>;

/** Decides which trial runs next. Returns null when there is nothing (more) to schedule. */
export interface Scheduler {
  /** Trials the run will have in all, when known in advance (grid); null for open-ended runs. */
  readonly planned: number | null;
  next(): TrialSpec | null;
  /** Told of every finished trial, so adaptive schedulers can learn. */
  onResult?(spec: TrialSpec, outcome: TrialOutcome): void;
  /** Why the scheduler has stopped scheduling on its own (an adaptive run that found its winner). */
  stopReason?(): StopReason | null;
}

export interface RunStartInfo {
  runId: string;
  name: string;
  planned: number | null;
  alreadyFinished: number;
  variantIds: readonly string[];
  resumed: boolean;
}

export type StopReason = 'done' | 'confident' | 'interrupted' | 'paused' | 'budget:trials' | 'budget:cost' | 'budget:time';

export interface RunEndInfo {
  runId: string;
  stopReason: StopReason;
  finished: number;
  errors: number;
}

/**
 * One interface with optional hooks (like Vitest's Reporter): the console view, the store writer and
 * later the live stream implement it; the engine knows only this.
 */
export interface RunObserver {
  onRunStart?(info: RunStartInfo): void;
  onTrialStart?(spec: TrialSpec): void;
  onTrialEnd?(spec: TrialSpec, outcome: TrialOutcome): void;
  onRunEnd?(info: RunEndInfo): void | Promise<void>;
}
