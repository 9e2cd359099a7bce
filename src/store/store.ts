import type { Experiment } from '../config/experiment.js';
import type { Task } from '../model/task.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { ClaimOptions, ClaimResult, RunOwner } from './claim.js';
import type { ControllerLog } from './controller-log.js';
import type { AdaptiveHistory, EventRecord, RunListing, RunRecord, RunStatus, TrialRecord, WorkflowTrial } from './records.js';

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

/** Where a run's trials are written: batched, results written once. */
export interface TrialSink {
  scheduled(spec: TrialSpec): void;
  finished(spec: TrialSpec, outcome: TrialOutcome, reward?: number | null): void;
  /** Queues an event to be committed after the trials written before it. */
  event(type: string, data: unknown): void;
  flush(): void;
  close(): void;
}

/** How a run's trials are written. */
export interface TrialWriterOptions {
  /** The owner token of the run's claim: each batch commits only while this owner still holds it. */
  owner?: string;
  /** Told the seqs whose results a batch wrote. */
  onFlush?(seqs: number[]): void;
  /** Told, once, when a batch committed on its own (timer, size) fails, e.g. on a full disk. */
  onError?(error: unknown): void;
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
  /**
   * Records (or replaces) the task at `idx` of a run: a workflow adds a task per step instance as it
   * reaches it. Idempotent, so a resumed workflow may define the same task again.
   */
  defineTask(runId: string, idx: number, task: Task): void;
  /** Finished trials of every workflow run named `name` except `exceptRun`: the history bandits, rework norms and dissent learn from. */
  workflowHistory(name: string, exceptRun: string): WorkflowTrial[];
  /** Events of one type from every workflow run named `name` except `exceptRun`, oldest first. */
  workflowEvents(name: string, type: string, exceptRun: string): EventRecord[];
  eventsSince(afterSeq: number, runId?: string, limit?: number): EventRecord[];
  /** A batched writer of the run's trials; a function is taken as `onFlush` (older callers). */
  trialWriter(runId: string, options?: TrialWriterOptions | ((seqs: number[]) => void)): TrialSink;
  /** The controller's decision log, commands and replay history. */
  readonly controller: ControllerLog;
  close(): void;
}
