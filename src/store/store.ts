import type { Experiment } from '../config/experiment.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { Task } from '../model/task.js';
import type { ClaimOptions, ClaimResult, RunOwner } from './claim.js';
import type { ControllerLog } from './controller-log.js';
import type { AdaptiveHistory, EventRecord, RunRecord, RunStats, RunStatus, WorkflowTrial } from './records.js';
import type { RunQueries } from './run-queries.js';

export type { ClaimOptions, ClaimResult, RunHolder, RunOwner } from './claim.js';

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
  /** The owner token of the run's claim: each batch commits only while this owner still holds it. */
  owner?: string;
  /** Told the seqs whose results a batch wrote. */
  onFlush?(seqs: number[]): void;
  /** Told, once, when a batch committed on its own (timer, size) fails, e.g. on a full disk. */
  onError?(error: unknown): void;
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
 * second store (Postgres...) must pass the same contract suite (`src/store/store-contract.test-utils.ts`).
 *
 * @example
 * const store: Store = SqliteStore.open('.metaorch/metaorch.db');
 */
export interface Store {
  /** Records a new run, claimed by `owner` (a fresh owner of this process when absent). */
  createRun(id: string, experiment: Experiment, planned: number | null, owner?: RunOwner): void;
  /**
   * Claims a run for `owner`, atomically: a conditional update in a write transaction that succeeds
   * only when the run is not running, or its holder is `owner`, dead, or past its lease. On success
   * the run is `running` under `owner`; otherwise nothing is written and the holder is returned.
   */
  claimRun(id: string, owner: RunOwner, options: ClaimOptions): ClaimResult;
  /** Renews `token`'s lease on a running run; false when it no longer holds it. */
  renewClaim(id: string, token: string, now: number): boolean;
  /** Writes a run's final fields only if `token` still holds it; false (nothing written) otherwise. */
  releaseRun(id: string, token: string, patch: RunPatch): boolean;
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
  /**
   * Records (or replaces) the task at `idx` of a run: a workflow adds a task per step instance as it
   * reaches it. Idempotent, so a resumed workflow may define the same task again.
   */
  defineTask(runId: string, idx: number, task: Task): void;
  /** Finished trials of every workflow run named `name` except `exceptRun`: the history bandits, rework norms and dissent learn from. */
  workflowHistory(name: string, exceptRun: string): WorkflowTrial[];
  /** Events of one type from every workflow run named `name` except `exceptRun`, oldest first. */
  workflowEvents(name: string, type: string, exceptRun: string): EventRecord[];
  /** A batched writer of the run's trials; a function is taken as `onFlush` (older callers). */
  trialWriter(runId: string, options?: TrialWriterOptions | ((seqs: number[]) => void)): TrialSink;
  /** Saves a run's final totals when it ends, so reports need not read its trials; null forgets them. */
  saveRunStats(runId: string, stats: RunStats | null): void;
  /** The read side over the same store (reports, resume totals, one trial, events). */
  queries(): RunQueries;
  /** The controller's decision log, commands and replay history. */
  readonly controller: ControllerLog;
  close(): void;
}
