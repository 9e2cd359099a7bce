/**
 * Descriptive statistics. Running sums use Welford's update because score arrays of near-equal values
 * (latencies in ms, costs in dollars) lose precision with the textbook sum-of-squares formula.
 */

/**
 * Arithmetic mean; NaN for an empty input.
 *
 * @example
 * mean([1, 2, 3]); // 2
 */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let m = 0;
  for (let i = 0; i < values.length; i++) m += ((values[i] as number) - m) / (i + 1);
  return m;
}

/**
 * Sample variance with denominator n − 1 (NaN when n < 2).
 *
 * @example
 * variance([1, 2, 3, 4]); // 1.6667
 */
export function variance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  let m = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i] as number;
    const d = x - m;
    m += d / (i + 1);
    m2 += d * (x - m);
  }
  return Math.max(0, m2) / (n - 1);
}

/**
 * Sample standard deviation (n − 1 denominator; NaN when n < 2).
 *
 * @example
 * standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]); // 2.138
 */
export function standardDeviation(values: ArrayLike<number>): number {
  return Math.sqrt(variance(values));
}

/**
 * Quantile of an ascending-sorted sample by linear interpolation between order statistics (Hyndman &
 * Fan type 7, numpy's default). Empty input gives NaN; p outside [0, 1] throws since it is a caller bug.
 *
 * @example
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 */
export function quantile(sortedAscending: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: p must be in [0, 1], got ${p}`);
  const n = sortedAscending.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sortedAscending[lo] as number;
  const b = sortedAscending[hi] as number;
  return a + (h - lo) * (b - a);
}

/**
 * An ascending copy as a Float64Array (numeric sort, not the default string sort).
 *
 * @example
 * sortedCopy([3, 1, 2]); // Float64Array [1, 2, 3]
 */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}
