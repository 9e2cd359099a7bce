import type { Experiment } from '../config/experiment.js';
import type { Task } from '../model/task.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { ControllerLog } from './controller-log.js';
import type { AdaptiveHistory, EventRecord, RunListing, RunRecord, RunStatus, TrialRecord } from './records.js';

/** Fields of a run that change while it runs. */
export interface RunPatch {
  status?: RunStatus;
  startedAt?: number;
  finishedAt?: number | null;
  activeMs?: number;
  stopReason?: string | null;
  pid?: number | null;
  error?: string | null;
  planned?: number | null;
}

/** Where a run's trials are written: batched, results written once. */
export interface TrialSink {
  scheduled(spec: TrialSpec): void;
  finished(spec: TrialSpec, outcome: TrialOutcome, reward?: number | null): void;
  /** Queues an event to be committed after the trials written before it. */
  event(type: string, data: unknown): void;
  flush(): void;
  close(): void;
}

/** Totals of a run's finished trials, for budgets and resume. */
export interface RunTotals {
  finished: number;
  errors: number;
  cost: number;
}

/**
 * The store: the only source of truth for runs, trials and events. SqliteStore implements it; any
 * second store (Postgres...) must pass the same contract suite (`src/store/contract.ts`).
 *
 * @example
 * const store: Store = SqliteStore.open('.metaorch/metaorch.db');
 */
export interface Store {
  createRun(id: string, experiment: Experiment, planned: number | null): void;
  updateRun(id: string, patch: RunPatch): void;
  getRun(id: string): RunRecord | undefined;
  /** A run id from an exact id, a unique prefix, or `latest`; throws listing known runs otherwise. */
  resolveRunId(ref: string): string;
  listRuns(): RunListing[];
  bestVariants(): Map<string, { variantId: string; meanScore: number }>;
  loadExperiment(id: string): Experiment;
  loadExperimentConfig(id: string): Omit<Experiment, 'tasks'>;
  loadTasks(id: string): Task[];
  /** One bit per seq: set when that trial's result is recorded. */
  finishedBitmap(id: string, size: number): Uint8Array;
  adaptiveHistory(id: string): AdaptiveHistory;
  unfinishedTrials(id: string): TrialRecord[];
  runTotals(id: string): RunTotals;
  iterateTrials(id: string): Iterable<TrialRecord>;
  getTrial(id: string, seq: number): TrialRecord | undefined;
  appendEvent(runId: string, type: string, data: unknown): number;
  eventsSince(afterSeq: number, runId?: string, limit?: number): EventRecord[];
  trialWriter(runId: string, onFlush?: (seqs: number[]) => void): TrialSink;
  /** The controller's decision log, commands and replay history. */
  readonly controller: ControllerLog;
  close(): void;
}
