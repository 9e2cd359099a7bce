/**
 * Fixed-sample confidence intervals: the t interval for a mean and the two standard intervals for a
 * binomial proportion (Wilson for reporting, Clopper-Pearson when a guaranteed coverage is wanted).
 */
import { mean, standardDeviation } from './descriptive.js';
import { betaInv, normalQuantile, tQuantile } from './distributions.js';

/** A mean with its Student t interval. */
export interface MeanInterval {
  n: number;
  mean: number;
  sd: number;
  low: number;
  high: number;
}

/** A proportion with an interval. */
export interface ProportionInterval {
  estimate: number;
  low: number;
  high: number;
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/**
 * Student t confidence interval for the mean. With n = 0 every field but n is NaN; with n = 1 the mean
 * is the value but sd, low and high are NaN, because one observation says nothing about spread and an
 * infinite interval would silently pass "does the CI exclude 0" checks downstream. Zero variance gives
 * low = high = mean.
 *
 * @example
 * meanInterval([0.8, 0.9, 1.0]); // { n: 3, mean: 0.9, sd: 0.1, low: 0.652, high: 1.148 }
 */
export function meanInterval(values: ArrayLike<number>, confidence = 0.95): MeanInterval {
  checkConfidence(confidence);
  const n = values.length;
  const m = mean(values);
  const sd = standardDeviation(values);
  if (n < 2) return { n, mean: m, sd, low: NaN, high: NaN };
  const half = tQuantile(1 - (1 - confidence) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean: m, sd, low: m - half, high: m + half };
}

/**
 * Wilson score interval for a proportion: good coverage even near 0 and 1, where the Wald interval
 * collapses to a point. n = 0 gives NaN fields.
 *
 * @example
 * wilsonInterval(8, 10); // { estimate: 0.8, low: 0.490, high: 0.943 }
 */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): ProportionInterval {
  checkConfidence(confidence);
  checkCounts(successes, n);
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // Clamp: rounding can push the bounds a hair outside [0, 1] at p = 0 or 1.
  return { estimate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Clopper-Pearson ("exact") interval from beta quantiles: coverage is at least the nominal level for
 * every true p, at the price of being wider than Wilson. n = 0 gives NaN fields.
 *
 * @example
 * clopperPearsonInterval(8, 10); // { estimate: 0.8, low: 0.444, high: 0.975 }
 */
export function clopperPearsonInterval(successes: number, n: number, confidence = 0.95): ProportionInterval {
  checkConfidence(confidence);
  checkCounts(successes, n);
  if (n === 0) return { estimate: NaN, low: NaN, high: NaN };
  const a = (1 - confidence) / 2;
  const low = successes === 0 ? 0 : betaInv(a, successes, n - successes + 1);
  const high = successes === n ? 1 : betaInv(1 - a, successes + 1, n - successes);
  return { estimate: successes / n, low, high };
}

function checkCounts(successes: number, n: number): void {
  if (!(Number.isInteger(successes) && Number.isInteger(n) && successes >= 0 && successes <= n)) {
    throw new RangeError(`need integers 0 <= successes <= n, got ${successes}/${n}`);
  }
}
