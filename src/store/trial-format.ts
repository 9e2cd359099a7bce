import type { Attempt, ScoreResult } from '../model/trial.js';

/**
 * How a run's compact trial rows expand, stored once per run (`runs.trial_format`, JSON). A compact
 * row keeps its only score's reason in `reason` (scores NULL) and a single clean attempt as
 * `attempt_count = 1` (attempts NULL): the common case of one scorer and one attempt costs no JSON.
 *
 * @example
 * expandScores({ scorer: { name: 'equals', weight: 1 } }, null, 1, 'equals expected');
 * // [{ scorer: 'equals', score: 1, weight: 1, reason: 'equals expected' }]
 */
export interface TrialFormat {
  /** The run's only scorer: compact rows carry just its reason. */
  scorer?: { name: string; weight: number };
}

export function parseTrialFormat(json: string | null | undefined): TrialFormat {
  if (!json) return {};
  try {
    return JSON.parse(json) as TrialFormat;
  } catch {
    return {};
  }
}

/** A row's scores: its JSON when written in full, else its one reason under the run's scorer. */
export function expandScores(format: TrialFormat, scores: string | null, score: number | null, reason: string | null): ScoreResult[] {
  if (scores !== null) return JSON.parse(scores) as ScoreResult[];
  if (reason === null || score === null || !format.scorer) return [];
  return [{ scorer: format.scorer.name, score, weight: format.scorer.weight, reason }];
}

/** A row's attempts: its JSON when written in full, else the one clean attempt a compact row stands for. */
export function expandAttempts(attempts: string | null, count: number | null, latencyMs: number | null): Attempt[] {
  if (attempts !== null) return JSON.parse(attempts) as Attempt[];
  return count === 1 && latencyMs !== null ? [{ n: 1, latencyMs }] : [];
}
