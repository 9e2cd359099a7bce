import type { ErrorKind, TrialStatus } from '../model/trial.js';
import type { RunRecord, RunStatus, TrialRecord } from './records.js';
import { expandAttempts, expandScores, type TrialFormat } from './trial-format.js';

export interface RunRow {
  id: string; name: string; mode: string; status: string; seed: number; source: string; planned: number | null;
  created_at: number; started_at: number | null; finished_at: number | null; active_ms: number;
  stop_reason: string | null; pid: number | null; error: string | null;
}

export interface TrialRow {
  seq: number; variant_id: string; task_idx: number; task_id: string; repeat: number; seed: number; status: string;
  prompt: string | null; output: string | null; score: number | null; passed: number | null; scores: string | null;
  attempts: string | null; attempt_count: number | null; latency_ms: number | null; tokens_in: number | null; tokens_out: number | null; cost: number | null;
  error_kind: string | null; error: string | null; scheduled_at: number; started_at: number | null; finished_at: number | null;
  reward: number | null;
  cached?: number | null;
  /** Added by migration 3: the compact row's only score reason. */
  reason?: string | null;
}

export function rowToRun(r: RunRow): RunRecord {
  return {
    id: r.id, name: r.name, mode: r.mode, status: r.status as RunStatus, seed: r.seed, planned: r.planned,
    createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, activeMs: r.active_ms,
    stopReason: r.stop_reason, pid: r.pid, error: r.error, source: r.source,
  };
}

/**
 * A stored trial row as a TrialRecord; compact rows expand with the run's trial format. A prompt that
 * was not stored stays null here: readers that show it render it (see SqliteRunQueries.trials).
 */
export function rowToTrial(r: TrialRow, format: TrialFormat = {}): TrialRecord {
  const error = r.error ? (JSON.parse(r.error) as { message?: string }) : null;
  return {
    seq: r.seq, variantId: r.variant_id, taskIdx: r.task_idx, taskId: r.task_id, repeat: r.repeat, seed: r.seed,
    status: r.status as TrialStatus | 'scheduled', prompt: r.prompt, output: r.output, score: r.score,
    passed: r.passed === null ? null : r.passed === 1,
    scores: expandScores(format, r.scores, r.score, r.reason ?? null),
    attempts: expandAttempts(r.attempts, r.attempt_count, r.latency_ms),
    latencyMs: r.latency_ms, tokensIn: r.tokens_in, tokensOut: r.tokens_out, cost: r.cost,
    errorKind: r.error_kind as ErrorKind | null, error: error?.message ?? null,
    scheduledAt: r.scheduled_at, startedAt: r.started_at ?? (r.status === 'scheduled' ? null : r.scheduled_at), finishedAt: r.finished_at, reward: r.reward,
    ...(r.cached === 1 ? { cached: true } : {}),
  };
}
