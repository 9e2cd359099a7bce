import type { Experiment } from '../config/experiment.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { AdaptiveHistory, RunRecord, RunStats, RunStatus } from './records.js';
import type { RunQueries } from './run-queries.js';

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

/** How a run's trials are written. */
export interface TrialWriterOptions {
  /** Called with the seqs of each committed batch of results. */
  onFlush?: (seqs: number[]) => void;
  /**
   * Which running trials get a `scheduled` row at a commit. 'all' (default): every one, so a resume
   * finds every dispatched trial (adaptive runs need this to redispatch them). 'lingering': only those
   * still running a whole commit interval after they started; enough when resume recomputes the plan
   * (grid), and instant trials then write one row each.
   */
  scheduledRows?: 'all' | 'lingering';
  /**
   * True when every outcome's prompt is the variant's template rendered with the task's input (the
   * engine's runs): it is then not stored, and readers render it again when they need it.
   */
  derivedPrompts?: boolean;
  /** Commit the first result as soon as it is written (someone watching sees the run start), then batch. */
  firstAtOnce?: boolean;
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
  /** The experiment as validated when the run was created; its tasks are read from the store as needed. */
  loadExperiment(id: string): Experiment;
  /** One bit per seq: set when that trial's result is recorded. */
  finishedBitmap(id: string, size: number): Uint8Array;
  adaptiveHistory(id: string): AdaptiveHistory;
  runTotals(id: string): RunTotals;
  appendEvent(runId: string, type: string, data: unknown): number;
  trialWriter(runId: string, options?: TrialWriterOptions): TrialSink;
  /** Saves a run's final totals when it ends, so reports need not read its trials; null forgets them. */
  saveRunStats(runId: string, stats: RunStats | null): void;
  /** The read side over the same store (reports, resume totals). */
  queries(): RunQueries;
  close(): void;
}
