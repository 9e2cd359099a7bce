/**
 * Seeded bootstrap intervals for any statistic of one sample: percentile and BCa (bias-corrected and
 * accelerated, Efron & Tibshirani 1993 ch. 14). BCa corrects the percentile interval for bias and skew,
 * which matters for skewed metrics such as cost and latency.
 */
import type { Random } from '../model/random.js';
import { mean, quantile, sortedCopy } from './descriptive.js';
import { normalCdf, normalQuantile } from './distributions.js';
import type { Estimate } from './test-result.js';

/** Options for {@link bootstrapInterval}. */
export interface BootstrapOptions {
  /** Where the resampling randomness comes from: the result is a function of the seed. */
  rng: Random;
  /** Number of bootstrap resamples, default 2000. */
  resamples?: number;
  confidence?: number;
  /** Default 'bca'. */
  method?: 'percentile' | 'bca';
  /** The statistic, default the mean. */
  statistic?: (sample: Float64Array) => number;
}

/**
 * Bootstrap confidence interval for `statistic(values)`. Fewer than 2 values gives NaN bounds; a
 * sample whose resamples all give the same statistic gives low = high = estimate. When BCa's bias
 * correction is infinite (every resample on one side of the estimate) it falls back to the percentile
 * interval instead of returning NaN as scipy does.
 *
 * @example
 * bootstrapInterval([3, 1, 4, 1, 5, 9, 2, 6], { rng: createRandom(1) }); // { estimate: 3.875, low: 2.375, high: 6.125 }
 */
export function bootstrapInterval(values: ArrayLike<number>, options: BootstrapOptions): Estimate {
  const { rng, resamples = 2000, confidence = 0.95, method = 'bca', statistic = mean } = options;
  const data = Float64Array.from(values);
  const estimate = statistic(data);
  const n = data.length;
  if (n < 2) return { estimate, low: NaN, high: NaN };
  const replicates = new Float64Array(resamples);
  const sample = new Float64Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) sample[i] = data[rng.int(n)] as number;
    replicates[b] = statistic(sample);
  }
  if (method === 'percentile') return percentileFromReplicates(estimate, replicates, confidence);
  return bcaFromReplicates(estimate, replicates, jackknife(data, statistic), confidence);
}

/**
 * The percentile interval from bootstrap replicates (type 7 quantiles, as numpy/scipy).
 *
 * @example
 * percentileFromReplicates(2, [1, 2, 3], 0.5); // { estimate: 2, low: 1.5, high: 2.5 }
 */
export function percentileFromReplicates(estimate: number, replicates: ArrayLike<number>, confidence: number): Estimate {
  const sorted = sortedCopy(replicates);
  const a = (1 - confidence) / 2;
  return { estimate, low: quantile(sorted, a), high: quantile(sorted, 1 - a) };
}

/**
 * Leave-one-out values of the statistic, used for BCa's acceleration.
 *
 * @example
 * jackknife(Float64Array.of(1, 2, 3), mean); // Float64Array [2.5, 2, 1.5]
 */
export function jackknife(data: Float64Array, statistic: (sample: Float64Array) => number): Float64Array {
  const n = data.length;
  const out = new Float64Array(n);
  const rest = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    rest.set(data.subarray(0, i), 0);
    rest.set(data.subarray(i + 1), i);
    out[i] = statistic(rest);
  }
  return out;
}

/**
 * The BCa interval from replicates and jackknife values, with scipy's conventions: the bias z0 counts
 * ties with the estimate as half below, and the acceleration is Efron's jackknife skewness estimate.
 *
 * @example
 * bcaFromReplicates(3.875, replicates, jackknife(data, mean), 0.95);
 */
export function bcaFromReplicates(
  estimate: number,
  replicates: ArrayLike<number>,
  jackknifeValues: ArrayLike<number>,
  confidence: number,
): Estimate {
  const sorted = sortedCopy(replicates);
  const b = sorted.length;
  if ((sorted[0] as number) === (sorted[b - 1] as number)) return { estimate, low: estimate, high: estimate };
  let below = 0;
  for (const r of sorted) below += r < estimate ? 1 : r === estimate ? 0.5 : 0;
  const z0 = normalQuantile(below / b);
  if (!Number.isFinite(z0)) return percentileFromReplicates(estimate, replicates, confidence);
  const accel = acceleration(jackknifeValues);
  const zLow = normalQuantile((1 - confidence) / 2);
  const adjusted = (z: number): number => normalCdf(z0 + (z0 + z) / (1 - accel * (z0 + z)));
  return { estimate, low: quantile(sorted, adjusted(zLow)), high: quantile(sorted, adjusted(-zLow)) };
}

function acceleration(theta: ArrayLike<number>): number {
  const dot = mean(theta);
  let num = 0;
  let den = 0;
  for (let i = 0; i < theta.length; i++) {
    const u = dot - (theta[i] as number);
    num += u * u * u;
    den += u * u;
  }
  // No jackknife spread means no skew to correct for.
  return den === 0 ? 0 : num / (6 * den ** 1.5);
}
