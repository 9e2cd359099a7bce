import type { Experiment } from '../config/experiment.js';
import type { Task } from '../model/task.js';
import type { Attempt, ErrorKind, ScoreResult, TrialOutcome, TrialStatus } from '../model/trial.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

export interface RunRecord {
  id: string;
  name: string;
  mode: string;
  status: RunStatus;
  seed: number;
  planned: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  activeMs: number;
  stopReason: string | null;
  pid: number | null;
  error: string | null;
  source: string;
}

/** A run as listed: the record plus counts. */
export interface RunListing extends RunRecord {
  trials: number;
  finished: number;
  errors: number;
  /** Dollars of the trials whose cost is known. */
  cost: number;
  /** Finished trials whose cost is unknown (a CLI that reports none). */
  costUnknown: number;
}

/** A trial as stored; `status` is 'scheduled' until its result is written. */
export interface TrialRecord {
  seq: number;
  variantId: string;
  taskIdx: number;
  taskId: string;
  repeat: number;
  seed: number;
  status: TrialStatus | 'scheduled';
  prompt: string | null;
  output: string | null;
  score: number | null;
  passed: boolean | null;
  scores: ScoreResult[];
  attempts: Attempt[];
  latencyMs: number | null;
  /** null: not reported (or not finished yet). */
  tokensIn: number | null;
  tokensOut: number | null;
  /** Dollars; null when unknown (or not finished yet). */
  cost: number | null;
  errorKind: ErrorKind | null;
  error: string | null;
  scheduledAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The reward the objective gave this trial (what an adaptive policy learned from); absent in old exports. */
  reward?: number | null;
  /** Answered from the response cache (its latency is null: not counted in latency statistics). */
  cached?: boolean;
}

export interface EventRecord {
  seq: number;
  runId: string;
  ts: number;
  type: string;
  data: unknown;
}

/**
 * Everything a report or export needs about a run, from the store or from an exported file. Tasks
 * and trials are read on demand: a report over a large run never holds them all.
 */
export interface RunData {
  run: RunRecord;
  experiment: Omit<Experiment, 'tasks'>;
  tasks(): Iterable<Task>;
  /** In seq order. `prompts`: render the prompts a store did not keep (exports want them). */
  trials(options?: { prompts?: boolean }): Iterable<TrialRecord>;
  /**
   * The run's statistics without reading every trial: saved when the run ended, else SQL aggregates.
   * Absent for data that holds its trials in memory (an exported file): reports then sum the trials.
   */
  stats?(): RunStats;
  /** The controller's decision log, when the source has one (the store does; old exports do not). */
  decisions?(): DecisionRecord[];
}

/**
 * Sums over one variant's finished trials: every statistic of a report and of the dashboard's variant
 * table but the latency percentiles and the lead comes from these.
 */
export interface VariantSums {
  variantId: string;
  /** Finished trials, errors included. */
  finished: number;
  errors: number;
  errorsByKind: Record<string, number>;
  /** Scores of trials that did not error: count, sum and sum of squares. */
  ns: number;
  s: number;
  s2: number;
  /** Trials with a pass/fail verdict, and those that passed. */
  judged: number;
  passes: number;
  /** Dollars of the trials whose cost is known, and the finished trials whose cost is unknown (not counted as 0). */
  cost: number;
  costUnknown: number;
  /** Tokens of the trials that reported them, and the finished trials that did not. */
  tokensIn: number;
  tokensOut: number;
  tokensUnknown: number;
  attempts: number;
  /** Trials with a recorded reward, and the sum of their rewards. */
  rewarded: number;
  rewardSum: number;
  /** Successful trials with a latency, and the sum of their latencies (ms). */
  latN: number;
  latSum: number;
  /** Trials answered from the response cache (no call, no cost, no latency). */
  cached: number;
}

/** Errored trials grouped by variant, kind and message (a bounded list: the report shows the top ones). */
export interface ErrorGroup {
  variantId: string;
  kind: string;
  message: string;
  count: number;
}

/** Percentiles of a variant's successful latencies, exact or from the run's fixed pseudo-random sample. */
export interface LatencySummary {
  n: number;
  p50: number | null;
  p95: number | null;
}

/** Best minus runner-up mean score with its 95% confidence sequence; established when it excludes 0. */
export interface LeaderCheck {
  id: string;
  runnerUp: string;
  difference: number;
  cs95: [number, number];
  established: boolean;
}

export const RUN_STATS_VERSION = 3;

/** A run's report inputs: saved when it ends (table run_stats), or computed by SQL aggregates. */
export interface RunStats {
  version: number;
  /** In the experiment's variant order (then any other variant that has trials). */
  variants: VariantSums[];
  latency: Record<string, LatencySummary>;
  /** True when the percentiles come from a sample (large runs). */
  latencySampled: boolean;
  /** The anytime-valid check of the lead; null when there is no runner-up or it cannot be computed. */
  leader: LeaderCheck | null;
  /** Errored trials by message (the report's most frequent errors come from these). */
  errors: ErrorGroup[];
}

/** A finished trial as the policy needs it, in the order it finished. */
export interface FinishedTrial {
  seq: number;
  variantId: string;
  status: TrialOutcome['status'];
  score: number | null;
  cost: number;
  latencyMs: number;
  reward: number | null;
}

/** A trial scheduled before a stop or crash whose result was never recorded. */
export interface PendingTrial {
  seq: number;
  variantId: string;
  taskIdx: number;
  repeat: number;
}

export interface AdaptiveHistory {
  finished: Iterable<FinishedTrial>;
  unfinished: PendingTrial[];
  /** One past the highest seq ever scheduled. */
  nextSeq: number;
}


/** A finished trial of a workflow run, with the step instance (task) it belongs to. */
export interface WorkflowTrial {
  runId: string;
  /** The step instance, e.g. `draft` or `code[auth]`. */
  taskId: string;
  /** The step's kind (generate, review, vote...). */
  kind: string;
  variantId: string;
  status: TrialOutcome['status'];
  score: number | null;
  reward: number | null;
}

/**
 * A controller decision as the decision log stores it. The controller's `Decision` fills it; the
 * store keeps `evidence`, `change` and `validation` as JSON without reading them.
 */
export interface DecisionRecord {
  id: number;
  kind: string;
  target: string;
  reason: string;
  detector: string | null;
  evidence: unknown;
  change: unknown;
  /** Finished trials of the run when it was taken, and the time of the event that led to it. */
  atTrial: number;
  time: number;
  fromSeq: number;
  /** At least the status (pending, beneficial, neutral, harmful, not-applicable, cancelled); the test's numbers beside it. */
  validation: { status: string };
  undoes: number | null;
  undoneBy: number | null;
  source: string;
  escalate: boolean;
  /** What became of the escalation (webhook, command), once known. */
  delivery?: unknown;
  recordedAt?: number;
}

/** A command a person sent the controller (`metaorch undo`), and what became of it. */
export interface ControllerCommand {
  id: number;
  kind: 'undo';
  decision: number;
  reason: string;
  requestedAt: number;
  doneAt: number | null;
  /** Finished trials of the run when it was applied (where replay applies it again). */
  atTrial: number | null;
  /** 'applied: decision N', or why it was refused. */
  result: string | null;
}

/** A finished trial as the controller replays it on resume, in the order trials finished. */
export interface ControllerTrial {
  seq: number;
  variantId: string;
  status: TrialOutcome['status'];
  errorKind: string | null;
  score: number | null;
  reward: number | null;
  latencyMs: number;
  /** Null when the adapter did not report it. */
  cost: number | null;
  attempts: number;
  finishedAt: number;
  /**
   * The trial's attempts as JSON when some failed on another variant than the one that answered (a
   * gateway fallback); null otherwise. The controller learns those failed tries too.
   */
  movedAttempts?: string | null;
}
