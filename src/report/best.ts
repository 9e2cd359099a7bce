/**
 * Which variant leads, by one rule shared by reports and the dashboard: highest mean score, ties to the
 * higher pass rate, then the cheaper variant; and the anytime-valid check of that lead.
 */
import { tQuantile } from '../stats/distributions.js';
import type { LeaderCheck, VariantSums } from '../store/records.js';
import { leaderCheck, runnerUpOf } from './leader.js';

const pair = (low: number, high: number): [number, number] | null => (Number.isFinite(low) && Number.isFinite(high) ? [low, high] : null);

/** Scores live in [0, 1]: a t interval that reaches past either end is clipped to it. */
export function clampScoreInterval(ci: [number, number] | null): [number, number] | null {
  return ci ? [Math.max(0, ci[0]), Math.min(1, ci[1])] : null;
}

/**
 * Mean and Student t interval (95%) from a count, sum and sum of squares: what meanInterval computes
 * from the values, so totals kept as sums give the same interval.
 *
 * @example
 * meanFromSums(3, 2.7, 2.45); // { mean: 0.9, ci: [0.652, 1] } (clipped to [0, 1])
 */
export function meanFromSums(n: number, s: number, s2: number): { mean: number | null; ci: [number, number] | null } {
  if (n === 0) return { mean: null, ci: null };
  const mean = s / n;
  if (n < 2) return { mean, ci: null };
  const variance = Math.max(0, (s2 - (s * s) / n) / (n - 1));
  const half = tQuantile(0.975, n - 1) * Math.sqrt(variance / n);
  return Number.isFinite(half) ? { mean, ci: clampScoreInterval(pair(mean - half, mean + half)) } : { mean, ci: null };
}

/** The chosen variant and why. */
export interface BestVariant {
  id: string;
  meanScore: number | null;
  reason: string;
}

/** What choosing the best variant reads: the report's and the dashboard's variant rows both have it. */
export interface BestCandidate {
  id: string;
  meanScore: number | null;
  passRate: number | null;
  costPerTrial: number | null;
  ci95: [number, number] | null;
}

/**
 * Highest mean score; ties go to the higher pass rate, then the cheaper variant. Whether the lead is
 * established is `winnerVerdict`'s answer (src/report/winner.ts), the same everywhere.
 *
 * @example
 * pickBest(report.variants)?.id;
 */
export function pickBest(variants: readonly BestCandidate[]): BestVariant | null {
  const scored = variants.filter((v) => v.meanScore !== null);
  if (scored.length === 0) return null;
  const best = [...scored].sort(
    (a, b) => (b.meanScore ?? 0) - (a.meanScore ?? 0) || (b.passRate ?? 0) - (a.passRate ?? 0) || (a.costPerTrial ?? 0) - (b.costPerTrial ?? 0),
  )[0];
  if (!best) return null;
  const tied = scored.filter((v) => v !== best && v.meanScore === best.meanScore);
  const reason = tied.length ? `highest mean score, tied with ${tied.map((v) => v.id).join(', ')} (ties go to the higher pass rate, then the cheaper)` : 'highest mean score';
  return { id: best.id, meanScore: best.meanScore, reason };
}

/**
 * The lead check of a run from its sums: the best variant and the runner-up by the report's rule, then
 * their scores (read in seq order by `scoresOf`) through the confidence sequence.
 *
 * @example
 * leaderOfSums(totals.variants(), ([best, runnerUp]) => queries.scoreSequences(runId, [best, runnerUp]));
 */
export function leaderOfSums(
  sums: readonly VariantSums[],
  scoresOf: (ids: [string, string]) => [ArrayLike<number>, ArrayLike<number>],
): LeaderCheck | null {
  const rows = sums.map((v) => candidateOf(v));
  const best = pickBest(rows);
  const runnerUp = runnerUpOf(best?.id ?? null, rows);
  if (!best || !runnerUp) return null;
  const [a, b] = scoresOf([best.id, runnerUp]);
  try {
    return leaderCheck(best.id, runnerUp, a, b);
  } catch {
    // A score outside [0, 1] (a custom scorer's bug) has no confidence sequence: no check.
    return null;
  }
}

/** What picking the best reads, from a variant's sums. */
export function candidateOf(v: VariantSums): BestCandidate {
  const { mean, ci } = meanFromSums(v.ns, v.s, v.s2);
  return { id: v.variantId, meanScore: mean, passRate: v.judged ? v.passes / v.judged : null, costPerTrial: v.finished ? v.cost / v.finished : null, ci95: ci };
}

