/**
 * Tests for paired samples (the same tasks run by both variants): the paired t-test on differences
 * and McNemar's exact test for pass/fail outcomes. Pairing removes task difficulty from the noise,
 * which is why the compare logic prefers these whenever both sides ran the same tasks.
 */
import { mean, standardDeviation } from './descriptive.js';
import { binomCdf, pFromCdf, tCdf } from './distributions.js';
import { bonettPriceDifference, waldInterval } from './proportion-difference.js';
import type { WaldForm } from './proportion-difference.js';
import { degenerateResult } from './test-result.js';
import type { TestOptions, TestResult } from './test-result.js';
import { tInterval } from './two-sample.js';

/**
 * Element-wise x − y; throws when the lengths differ, since pairing is then ambiguous.
 *
 * @example
 * pairedDifferences([3, 5], [1, 1]); // Float64Array [2, 4]
 */
export function pairedDifferences(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  if (x.length !== y.length) throw new RangeError(`paired samples need equal lengths, got ${x.length} and ${y.length}`);
  const d = new Float64Array(x.length);
  for (let i = 0; i < d.length; i++) d[i] = (x[i] as number) - (y[i] as number);
  return d;
}

/**
 * Paired t-test on the differences x − y (scipy.stats.ttest_rel); `difference` is the mean difference
 * with its t interval. Fewer than 2 pairs gives NaN; identical differences follow the zero-spread rule
 * of the other t-tests (no difference: p = 1; a constant non-zero difference: p = 0).
 *
 * @example
 * pairedTTest([0.9, 0.8, 0.7, 0.95], [0.8, 0.7, 0.7, 0.85]).pValue; // ≈ 0.058
 */
export function pairedTTest(x: ArrayLike<number>, y: ArrayLike<number>, options: TestOptions = {}): TestResult {
  const { alternative = 'two-sided', confidence = 0.95 } = options;
  const { estimate: m, se, df } = pairedForm(x, y);
  if (Number.isNaN(se)) return { test: 'paired-t', alternative, statistic: NaN, pValue: NaN, difference: { estimate: m, low: NaN, high: NaN } };
  if (se === 0) return { ...degenerateResult('paired-t', alternative, m), df };
  const t = m / se;
  return {
    test: 'paired-t',
    alternative,
    statistic: t,
    pValue: pFromCdf(t, (s) => tCdf(s, df), alternative),
    df,
    difference: tInterval(m, se, df, confidence, alternative),
  };
}

/**
 * Mean of x − y as centre ± t·se on n − 1 df (se NaN with fewer than 2 pairs).
 *
 * @example
 * pairedForm([3, 5, 4], [1, 1, 1]); // { estimate: 3, centre: 3, se: 0.577, df: 2 }
 */
export function pairedForm(x: ArrayLike<number>, y: ArrayLike<number>): WaldForm {
  const d = pairedDifferences(x, y);
  const m = mean(d);
  const se = d.length < 2 ? NaN : standardDeviation(d) / Math.sqrt(d.length);
  return { estimate: m, centre: m, se, df: d.length - 1 };
}

/** Discordant-pair counts of two paired pass/fail vectors. */
export interface DiscordantCounts {
  /** Pairs where x passed and y failed. */
  xOnly: number;
  /** Pairs where y passed and x failed. */
  yOnly: number;
  n: number;
}

/**
 * Count discordant pairs of paired 0/1 outcomes; throws on any other value.
 *
 * @example
 * discordantCounts([1, 1, 0, 0], [1, 0, 1, 1]); // { xOnly: 1, yOnly: 2, n: 4 }
 */
export function discordantCounts(x: ArrayLike<number>, y: ArrayLike<number>): DiscordantCounts {
  const d = pairedDifferences(x, y);
  let xOnly = 0;
  let yOnly = 0;
  for (let i = 0; i < d.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if ((a !== 0 && a !== 1) || (b !== 0 && b !== 1)) throw new RangeError('McNemar needs 0/1 outcomes');
    if (a > b) xOnly++;
    else if (b > a) yOnly++;
  }
  return { xOnly, yOnly, n: d.length };
}

/**
 * McNemar's exact test: under the null a discordant pair is equally likely to favour either side, so
 * xOnly ~ Binomial(xOnly + yOnly, ½). `statistic` is xOnly; 'greater' means x passes more often.
 * `difference` is p̂x − p̂y with the two-sided Bonett–Price interval. No discordant pairs: p = 1.
 *
 * @example
 * mcnemarExact([1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0]).pValue; // 2 · 0.5^5 = 0.0625
 */
export function mcnemarExact(x: ArrayLike<number>, y: ArrayLike<number>, options: TestOptions = {}): TestResult {
  const { alternative = 'two-sided', confidence = 0.95 } = options;
  const { xOnly, yOnly, n } = discordantCounts(x, y);
  const k = xOnly + yOnly;
  let pValue: number;
  if (alternative === 'greater') pValue = 1 - binomCdf(xOnly - 1, k, 0.5);
  else if (alternative === 'less') pValue = binomCdf(xOnly, k, 0.5);
  else pValue = Math.min(1, 2 * binomCdf(Math.min(xOnly, yOnly), k, 0.5));
  const form = bonettPriceDifference(xOnly, yOnly, n);
  return {
    test: 'mcnemar-exact',
    alternative,
    statistic: xOnly,
    pValue: k === 0 ? 1 : pValue,
    difference: n === 0 ? { estimate: NaN, low: NaN, high: NaN } : waldInterval(form, confidence, -1, 1),
  };
}
