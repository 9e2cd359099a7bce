/**
 * Verdicts for a comparison of a candidate against a base, and their recomputation after
 * multiple-comparison correction. Kept apart from the tests so the rule is stated in one place.
 */
import { adjustPValues } from './multiple-comparisons.js';
import type { Adjustment } from './multiple-comparisons.js';
import { waldInterval } from './proportion-difference.js';
import type { WaldForm } from './proportion-difference.js';

/** The outcome of comparing a candidate with a base on one metric. */
export type Verdict = 'improved' | 'regressed' | 'no significant change' | 'inconclusive';

/** What the verdict rule needs. */
export interface VerdictInput {
  /** cand − base, in metric units. */
  diff: number;
  pValue: number;
  /** The interval for cand − base at confidence 1 − α (or a multiplicity-adjusted level). */
  ci: { low: number; high: number };
  alpha: number;
  /** The largest regression, in metric units (≥ 0), that is acceptable. */
  maxRegression: number;
  higherIsBetter: boolean;
}

/**
 * The verdict rule:
 * - p < α and the difference points the good way: 'improved'; the bad way: 'regressed'.
 * - otherwise, when a budget is set (maxRegression > 0) and the interval still allows a regression
 *   larger than it (its bad-side end is beyond the budget): 'inconclusive' — more trials are needed to
 *   clear the candidate.
 * - otherwise 'no significant change'. Without a budget (maxRegression = 0) there is nothing to clear a
 *   candidate against, so a non-significant result is simply that.
 * A NaN p-value or difference (too little data) is 'inconclusive'.
 *
 * @example
 * decideVerdict({ diff: -0.01, pValue: 0.4, ci: { low: -0.03, high: 0.01 }, alpha: 0.05, maxRegression: 0.05, higherIsBetter: true });
 * // 'no significant change'
 */
export function decideVerdict(input: VerdictInput): Verdict {
  const { diff, pValue, ci, alpha, maxRegression, higherIsBetter } = input;
  if (Number.isNaN(pValue) || Number.isNaN(diff)) return 'inconclusive';
  const gain = higherIsBetter ? diff : -diff;
  if (pValue < alpha && gain !== 0) return gain > 0 ? 'improved' : 'regressed';
  if (maxRegression <= 0) return 'no significant change';
  const worstRegression = higherIsBetter ? -ci.low : ci.high;
  return Number.isNaN(worstRegression) || worstRegression > maxRegression ? 'inconclusive' : 'no significant change';
}

/**
 * True when a 'regressed' verdict's point estimate is worse than the budget: the condition the compare
 * command should fail on. A significant regression within budget is reported but tolerated.
 *
 * @example
 * exceedsBudget('regressed', -0.08, 0.05, true); // true
 */
export function exceedsBudget(verdict: Verdict, diff: number, maxRegression: number, higherIsBetter: boolean): boolean {
  return verdict === 'regressed' && (higherIsBetter ? -diff : diff) > maxRegression;
}

/** The fields of a comparison that adjustment reads and rewrites. */
export interface Adjustable {
  diff: number;
  pValue: number;
  alpha: number;
  maxRegression: number;
  higherIsBetter: boolean;
  /** centre ± q·se form of the interval, so it can be re-derived at another level. */
  interval: WaldForm;
  /** Bounds the interval is clipped to (±1 for proportions). */
  bounds: { low: number; high: number };
  ci: { low: number; high: number; confidence: number };
  verdict: Verdict;
  exceedsBudget: boolean;
  pValueRaw?: number;
}

/**
 * Apply a multiple-comparison adjustment to a family of comparisons and recompute their verdicts.
 * p-values become adjusted ones (the raw value is kept in `pValueRaw`). The interval used by the
 * verdict is widened to the Bonferroni level 1 − α/m, which is simultaneously valid for the family,
 * so "no significant change" still bounds every regression at once (conservative for 'bh'). NaN
 * p-values do not count towards m.
 *
 * @example
 * const family = adjustComparisons([latency, passRate, cost]); // Holm by default
 */
export function adjustComparisons<T extends Adjustable>(results: readonly T[], method: Adjustment = 'holm'): T[] {
  const raw = results.map((r) => r.pValueRaw ?? r.pValue);
  const adjusted = adjustPValues(raw, method);
  const m = raw.filter((p) => !Number.isNaN(p)).length;
  return results.map((r, i) => {
    const pValue = adjusted[i] as number;
    const confidence = method === 'none' || m <= 1 ? 1 - r.alpha : 1 - r.alpha / m;
    const { low, high } = waldInterval(r.interval, confidence, r.bounds.low, r.bounds.high);
    const ci = { low, high, confidence };
    const verdict = decideVerdict({ ...r, pValue, ci });
    return {
      ...r,
      pValue,
      pValueRaw: raw[i] as number,
      ci,
      verdict,
      exceedsBudget: exceedsBudget(verdict, r.diff, r.maxRegression, r.higherIsBetter),
    };
  });
}
