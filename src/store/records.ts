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
  cost: number;
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
  tokensIn: number;
  tokensOut: number;
  cost: number;
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
  tasks(): Task[];
  trials(): Iterable<TrialRecord>;
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

