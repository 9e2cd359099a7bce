/**
 * Effect sizes with intervals: how big a difference is, in metric units (difference), relative terms
 * (ratio) or standard deviations (Cohen's d). Each takes x then y and describes x relative to y.
 */
import { mean, variance } from './descriptive.js';
import { normalQuantile } from './distributions.js';
import type { Estimate } from './test-result.js';
import { welchTTest } from './two-sample.js';

/**
 * mean(x) − mean(y) with the two-sided Welch t interval (no equal-variance assumption).
 *
 * @example
 * differenceOfMeans([3, 4, 5], [1, 2, 3]); // { estimate: 2, low: ≈ -0.27, high: ≈ 4.27 }
 */
export function differenceOfMeans(x: ArrayLike<number>, y: ArrayLike<number>, confidence = 0.95): Estimate {
  const d = welchTTest(x, y, { confidence }).difference;
  return d ?? { estimate: NaN, low: NaN, high: NaN };
}

/**
 * mean(x) / mean(y) with a delta-method interval on the log scale:
 * log R ± z·√(s²x/(n·x̄²) + s²y/(m·ȳ²)), exponentiated. The log scale keeps the interval positive and
 * asymmetric, as ratios of costs or latencies are. Chosen over Fieller because Fieller's set can be
 * unbounded or two disjoint rays when ȳ is near zero, which a report cannot show. Needs both means
 * > 0 and n ≥ 2 per side; otherwise low/high are NaN.
 *
 * @example
 * ratioOfMeans([12, 14, 13], [10, 10.5, 9.5]).estimate; // 1.3
 */
export function ratioOfMeans(x: ArrayLike<number>, y: ArrayLike<number>, confidence = 0.95): Estimate {
  const mx = mean(x);
  const my = mean(y);
  const estimate = mx / my;
  if (!(mx > 0 && my > 0) || x.length < 2 || y.length < 2) return { estimate, low: NaN, high: NaN };
  const seLog = Math.sqrt(variance(x) / (x.length * mx * mx) + variance(y) / (y.length * my * my));
  const half = normalQuantile(1 - (1 - confidence) / 2) * seLog;
  return { estimate, low: estimate * Math.exp(-half), high: estimate * Math.exp(half) };
}

/**
 * Cohen's d = (x̄ − ȳ) / pooled SD, with the large-sample normal interval of Hedges & Olkin (1985):
 * se(d) = √((n + m)/(n·m) + d²/(2(n + m))). Approximate for small samples (the exact interval needs the
 * noncentral t). Zero pooled SD gives d = ±Infinity (or NaN when the means are equal too).
 *
 * @example
 * cohensD([5, 6, 7], [3, 4, 5]).estimate; // 2
 */
export function cohensD(x: ArrayLike<number>, y: ArrayLike<number>, confidence = 0.95): Estimate {
  const n = x.length;
  const m = y.length;
  if (n < 2 || m < 2) return { estimate: NaN, low: NaN, high: NaN };
  const pooledVar = ((n - 1) * variance(x) + (m - 1) * variance(y)) / (n + m - 2);
  const d = (mean(x) - mean(y)) / Math.sqrt(pooledVar);
  const se = Math.sqrt((n + m) / (n * m) + (d * d) / (2 * (n + m)));
  const half = normalQuantile(1 - (1 - confidence) / 2) * se;
  return { estimate: d, low: d - half, high: d + half };
}
