/**
 * The one place that touches @stdlib's distribution functions, so the rest of the module reads in
 * statistical terms (tails, critical values) and a library swap stays a one-file change. Each is
 * loaded on first use: they are hundreds of small modules, and a command that computes no quantile
 * (or not yet: a run computes them once, at its end) should not pay for loading them at start.
 */
import { createRequire } from 'node:module';
import { t975, Z975 } from './t975.js';

const require = createRequire(import.meta.url);

/**
 * A function of an @stdlib package, required the first time it is called. Each `require` names its
 * package literally, so the CLI's bundle (scripts/bundle.mjs) carries the package in one file instead
 * of resolving its hundreds of small modules at run time.
 */
function lazy<F extends (...args: number[]) => number>(load: () => unknown): F {
  let f: F | undefined;
  return ((...args: number[]) => (f ??= load() as F)(...args)) as F;
}

const betaQuantile = lazy<(p: number, a: number, b: number) => number>(() => require('@stdlib/stats-base-dists-beta-quantile'));
const binomialCdf = lazy<(k: number, n: number, p: number) => number>(() => require('@stdlib/stats-base-dists-binomial-cdf'));
const chisquareCdf = lazy<(x: number, k: number) => number>(() => require('@stdlib/stats-base-dists-chisquare-cdf'));
const normalCdfStd = lazy<(x: number, mu: number, sigma: number) => number>(() => require('@stdlib/stats-base-dists-normal-cdf'));
const normalQuantileStd = lazy<(p: number, mu: number, sigma: number) => number>(() => require('@stdlib/stats-base-dists-normal-quantile'));
const tCdfStd = lazy<(x: number, v: number) => number>(() => require('@stdlib/stats-base-dists-t-cdf'));
const tQuantileStd = lazy<(p: number, v: number) => number>(() => require('@stdlib/stats-base-dists-t-quantile'));

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
  // The 95% intervals' critical value needs no library (see t975.ts).
  if (p === 0.975) return Z975;
  if (p === 0.025) return -Z975;
  return normalQuantileStd(p, 0, 1);
}

/** @example tCdf(2.0, 10); // ≈ 0.963 */
export function tCdf(t: number, df: number): number {
  // stdlib's t is defined for finite df only; beyond ~1e7 it is the normal to double precision.
  return df === Infinity || df > 1e7 ? normalCdf(t) : tCdfStd(t, df);
}

/** @example tQuantile(0.975, 10); // ≈ 2.228 */
export function tQuantile(p: number, df: number): number {
  if (df === Infinity || df > 1e7) return normalQuantile(p);
  if ((p === 0.975 || p === 0.025) && Number.isInteger(df) && df >= 1) return p === 0.975 ? t975(df) : -t975(df);
  return tQuantileStd(p, df);
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
