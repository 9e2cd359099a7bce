/**
 * The one place that touches @stdlib's distribution functions, so the rest of the module reads in
 * statistical terms (tails, critical values) and a library swap stays a one-file change.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdfStd from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileStd from '@stdlib/stats-base-dists-normal-quantile';
import tCdfStd from '@stdlib/stats-base-dists-t-cdf';
import tQuantileStd from '@stdlib/stats-base-dists-t-quantile';

/**
 * Which tail(s) a test looks at: `two-sided`, or `greater` / `less` meaning the alternative is that the
 * first (or candidate-minus-base) quantity is larger / smaller.
 *
 * @example
 * const alt: Alternative = 'greater';
 */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** @example normalCdf(1.96); // ≈ 0.975 */
export function normalCdf(z: number): number {
  return normalCdfStd(z, 0, 1);
}

/** @example normalQuantile(0.975); // ≈ 1.959964 */
export function normalQuantile(p: number): number {
  return normalQuantileStd(p, 0, 1);
}

/** @example tCdf(2.0, 10); // ≈ 0.963 */
export function tCdf(t: number, df: number): number {
  // stdlib's t is defined for finite df only; beyond ~1e7 it is the normal to double precision.
  return df === Infinity || df > 1e7 ? normalCdf(t) : tCdfStd(t, df);
}

/** @example tQuantile(0.975, 10); // ≈ 2.228 */
export function tQuantile(p: number, df: number): number {
  return df === Infinity || df > 1e7 ? normalQuantile(p) : tQuantileStd(p, df);
}

/** @example chiSquareSf(3.84, 1); // ≈ 0.05 */
export function chiSquareSf(x: number, df: number): number {
  return x <= 0 ? 1 : 1 - chisquareCdf(x, df);
}

/** @example binomCdf(3, 10, 0.5); // P(X ≤ 3) ≈ 0.1719 */
export function binomCdf(k: number, n: number, p: number): number {
  return k < 0 ? 0 : binomialCdf(k, n, p);
}

/** @example betaInv(0.025, 3, 8); // lower Clopper-Pearson bound for 3/10 */
export function betaInv(p: number, a: number, b: number): number {
  return betaQuantile(p, a, b);
}

/**
 * The p-value for a statistic whose null distribution is given by `cdf`, honouring the alternative.
 * Two-sided doubles the smaller tail (capped at 1), which equals the usual |z| rule for symmetric nulls.
 *
 * @example
 * pFromCdf(1.96, normalCdf, 'two-sided'); // ≈ 0.05
 */
export function pFromCdf(stat: number, cdf: (x: number) => number, alternative: Alternative): number {
  if (Number.isNaN(stat)) return NaN;
  const lower = cdf(stat);
  const upper = 1 - lower;
  if (alternative === 'greater') return upper;
  if (alternative === 'less') return lower;
  return Math.min(1, 2 * Math.min(lower, upper));
}
