/**
 * Parametric two-sample tests on independent samples: Welch's t-test for means and the pooled
 * two-proportion z-test for rates. Differences are always x − y (first minus second), like scipy.
 */
import { mean, variance } from './descriptive.js';
import { normalCdf, pFromCdf, tCdf, tQuantile } from './distributions.js';
import type { Alternative } from './distributions.js';
import { newcombeDifference } from './proportion-difference.js';
import type { WaldForm } from './proportion-difference.js';
import { degenerateResult } from './test-result.js';
import type { TestOptions, TestResult } from './test-result.js';

/**
 * Welch's unequal-variance t-test with the Welch–Satterthwaite degrees of freedom; `difference` is
 * mean(x) − mean(y) with its t interval (one-sided for one-sided alternatives, as scipy does).
 * Fewer than 2 values on a side gives NaN. Zero variance on both sides: equal means give t = 0 and
 * p = 1 (nothing to test), different means give t = ±Infinity and p = 0.
 *
 * @example
 * welchTTest([0.7, 0.8, 0.9], [0.5, 0.6, 0.55]).pValue; // ≈ 0.032
 */
export function welchTTest(x: ArrayLike<number>, y: ArrayLike<number>, options: TestOptions = {}): TestResult {
  const { alternative = 'two-sided', confidence = 0.95 } = options;
  const { estimate: diff, se, df } = welchForm(x, y);
  if (Number.isNaN(se)) return nanResult('welch-t', alternative, diff);
  if (se === 0) return degenerateResult('welch-t', alternative, diff);
  const t = diff / se;
  return {
    test: 'welch-t',
    alternative,
    statistic: t,
    pValue: pFromCdf(t, (s) => tCdf(s, df), alternative),
    df,
    difference: tInterval(diff, se, df, confidence, alternative),
  };
}

/**
 * mean(x) − mean(y) as centre ± t·se with Welch–Satterthwaite df (se NaN with < 2 values a side).
 *
 * @example
 * welchForm([1, 2, 3], [2, 4, 6]); // { estimate: -2, centre: -2, se: 1.29, df: 2.94 }
 */
export function welchForm(x: ArrayLike<number>, y: ArrayLike<number>): WaldForm {
  const nx = x.length;
  const ny = y.length;
  const diff = mean(x) - mean(y);
  if (nx < 2 || ny < 2) return { estimate: diff, centre: diff, se: NaN, df: NaN };
  const vx = variance(x) / nx;
  const vy = variance(y) / ny;
  const df = (vx + vy) ** 2 / ((vx * vx) / (nx - 1) + (vy * vy) / (ny - 1));
  return { estimate: diff, centre: diff, se: Math.sqrt(vx + vy), df };
}

/**
 * A t (or, with df = Infinity, normal) interval around an estimate, shaped by the alternative.
 *
 * @example
 * tInterval(1, 0.5, 10, 0.95, 'two-sided'); // { estimate: 1, low: -0.114, high: 2.114 }
 */
export function tInterval(
  estimate: number,
  se: number,
  df: number,
  confidence: number,
  alternative: Alternative,
): { estimate: number; low: number; high: number } {
  if (alternative === 'two-sided') {
    const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
    return { estimate, low: estimate - half, high: estimate + half };
  }
  const half = tQuantile(confidence, df) * se;
  return alternative === 'greater'
    ? { estimate, low: estimate - half, high: Infinity }
    : { estimate, low: -Infinity, high: estimate + half };
}

/**
 * Two-proportion z-test with the pooled standard error (equivalent to the uncorrected 2×2 chi-square
 * test when two-sided). `difference` is p̂x − p̂y with Newcombe's hybrid score interval, which stays
 * sensible at 0% and 100% where the Wald interval collapses. Both rates 0% or both 100%: z = 0, p = 1.
 *
 * @example
 * twoProportionZTest(45, 100, 30, 100).pValue; // ≈ 0.029
 */
export function twoProportionZTest(
  successesX: number,
  nX: number,
  successesY: number,
  nY: number,
  options: TestOptions = {},
): TestResult {
  const { alternative = 'two-sided', confidence = 0.95 } = options;
  if (nX === 0 || nY === 0) return nanResult('two-proportion-z', alternative, NaN);
  const px = successesX / nX;
  const py = successesY / nY;
  const pooled = (successesX + successesY) / (nX + nY);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nX + 1 / nY));
  const diff = px - py;
  const difference = newcombeDifference(successesX, nX, successesY, nY, confidence);
  if (se === 0) return { ...degenerateResult('two-proportion-z', alternative, diff), difference };
  const z = diff / se;
  return { test: 'two-proportion-z', alternative, statistic: z, pValue: pFromCdf(z, normalCdf, alternative), difference };
}

function nanResult(test: string, alternative: Alternative, diff: number): TestResult {
  return { test, alternative, statistic: NaN, pValue: NaN, difference: { estimate: diff, low: NaN, high: NaN } };
}
