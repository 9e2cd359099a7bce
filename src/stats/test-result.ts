/**
 * The shape every hypothesis test returns, so reports and the compare logic can treat tests alike.
 */
import type { Alternative } from './distributions.js';

/** Options shared by the tests. */
export interface TestOptions {
  /** Default 'two-sided'. */
  alternative?: Alternative;
  /** Level of the difference interval, default 0.95. */
  confidence?: number;
}

/** An estimate with an interval. */
export interface Estimate {
  estimate: number;
  low: number;
  high: number;
}

/**
 * A test outcome: the statistic, its p-value under the chosen alternative and, where the test has a
 * natural effect, the difference (first minus second) with its interval.
 *
 * @example
 * const r: TestResult = { test: 'welch-t', alternative: 'two-sided', statistic: 2.1, pValue: 0.04 };
 */
export interface TestResult {
  test: string;
  alternative: Alternative;
  statistic: number;
  pValue: number;
  /** Degrees of freedom for t-based tests. */
  df?: number;
  difference?: Estimate;
}

/**
 * The result when the statistic's standard error is zero: no spread at all. An observed difference of
 * exactly zero carries no evidence (statistic 0, p = 1); any other difference is infinitely
 * significant (±Infinity, p = 0 on its side), matching scipy's t-tests.
 *
 * @example
 * degenerateResult('paired-t', 'two-sided', 0).pValue; // 1
 */
export function degenerateResult(test: string, alternative: Alternative, diff: number): TestResult {
  const statistic = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
  let pValue = 1;
  if (diff !== 0) {
    const favoursGreater = diff > 0;
    pValue = alternative === 'two-sided' ? 0 : (alternative === 'greater') === favoursGreater ? 0 : 1;
  }
  return { test, alternative, statistic, pValue, difference: { estimate: diff, low: diff, high: diff } };
}
