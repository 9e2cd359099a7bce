/**
 * The anytime-valid check of a run's lead: the best variant against the runner-up by mean score, with
 * a 95% confidence sequence for the difference of their mean scores. Shared by `metaorch report`
 * (computeReport) and the dashboard's summary (src/server/leader.ts), so both say the same thing.
 */
import { differenceConfidenceSequence } from '../stats/confidence-sequence.js';
import type { LeaderCheck } from '../store/records.js';

export type { LeaderCheck };

/**
 * The runner-up of `bestId`: the other variant with the highest mean score (variants without a score
 * do not count), or null.
 *
 * @example
 * runnerUpOf('sharp', report.variants); // 'steady'
 */
export function runnerUpOf(bestId: string | null, variants: readonly { id: string; meanScore: number | null }[]): string | null {
  if (!bestId) return null;
  const others = variants.filter((v) => v.id !== bestId && v.meanScore !== null).sort((a, b) => (b.meanScore ?? 0) - (a.meanScore ?? 0));
  return others[0]?.id ?? null;
}

/**
 * The lead of `id` over `runnerUp` from their scores (successful trials, in seq order): null when either
 * has no score or the sequence cannot be computed.
 *
 * @example
 * leaderCheck('sharp', 'steady', sharpScores, steadyScores); // { difference: 0.31, cs95: [0.12, 0.5], established: true, ... }
 */
export function leaderCheck(id: string, runnerUp: string, bestScores: ArrayLike<number>, runnerUpScores: ArrayLike<number>): LeaderCheck | null {
  if (!bestScores.length || !runnerUpScores.length) return null;
  const cs = differenceConfidenceSequence(bestScores, runnerUpScores);
  if (!Number.isFinite(cs.low) || !Number.isFinite(cs.high)) return null;
  return { id, runnerUp, difference: cs.estimate, cs95: [cs.low, cs.high], established: cs.low > 0 };
}
