import type { TrialOutcome, TrialSpec } from '../model/trial.js';

/**
 * Where trials execute: in process (inline), in child processes (pool), on remote workers (bullmq).
 * Every executor ends in the same `runTrial`.
 */
export interface Executor {
  readonly name: string;
  /** Rejects with TrialCancelled when `cancel` aborts before the trial finished. */
  run(spec: TrialSpec, cancel: AbortSignal): Promise<TrialOutcome>;
  close(): Promise<void>;
}

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
