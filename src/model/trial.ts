import type { Task } from './task.js';

/** Version of the stored trial record and exported JSON documents. Bump with a migration. */
export const TRIAL_SCHEMA_VERSION = 1;

/**
 * Everything needed to run one trial, as plain serialisable data: any executor (in process, child
 * process, remote worker) can run it with the same function.
 */
export interface TrialSpec {
  runId: string;
  /** Position in the run's schedule; with runId, the trial's stable identity. */
  seq: number;
  variantId: string;
  task: Task;
  /** The task's position in the run's task list (its identity in the store). */
  taskIdx: number;
  repeat: number;
  /** Seed for everything random inside this trial (mock draws, retry jitter). */
  seed: number;
}

export type ErrorKind =
  | 'timeout'
  | 'rate_limit'
  | 'server'
  | 'client'
  | 'network'
  | 'process'
  | 'invalid_output'
  | 'scorer'
  | 'cancelled'
  | 'unknown';

export interface TrialError {
  kind: ErrorKind;
  message: string;
  status?: number;
  retryable: boolean;
}

export interface Attempt {
  n: number;
  latencyMs: number;
  error?: TrialError;
  /** The variant this attempt went to, when it may differ from the trial's (a gateway fallback). */
  variant?: string;
}

export interface TokenUsage {
  input: number;
  output: number;
}

/**
 * Tokens a trial used. A count the adapter did not report (a CLI that prints no usage) is null:
 * unknown, never a made-up 0.
 */
export interface TrialTokens {
  input: number | null;
  output: number | null;
}

export interface ScoreResult {
  scorer: string;
  score: number;
  weight: number;
  reason: string;
}

export type TrialStatus = 'ok' | 'error';

/** What a finished trial produced. Written once to the store, keyed by (runId, seq). */
export interface TrialOutcome {
  seq: number;
  status: TrialStatus;
  prompt: string;
  output: string | null;
  scores: ScoreResult[];
  /** Weighted score in [0, 1]; null when the trial errored. */
  score: number | null;
  /** Score against the threshold; null when no threshold or errored. */
  passed: boolean | null;
  attempts: Attempt[];
  /** Wall time of the successful (or last) attempt. */
  latencyMs: number;
  tokens: TrialTokens;
  /** Dollars; null when it cannot be known (no reported cost, and no tokens to price). */
  cost: number | null;
  error: TrialError | null;
  startedAt: number;
  finishedAt: number;
  /** Answered from the response cache: no call was made, nothing was paid, and it has no latency. */
  cached?: true;
}

/** A stable, readable trial id: `RUN/seq`. */
export function trialId(runId: string, seq: number): string {
  return `${runId}/${seq}`;
}
