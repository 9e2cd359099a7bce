/**
 * A histogram with log-spaced bins (each 2% wide) and exponential forgetting: quantiles and tail
 * masses of a positive quantity (latency, cost) over a recent, smoothly weighted past, in O(1) per
 * value and fixed memory. Values at or below `low` share the first bin (zero latencies of instant
 * trials, free calls).
 */
export interface LogHistogram {
  readonly low: number;
  readonly ratio: number;
  readonly bins: Float64Array;
  /** Weight of the next value; grows by 1/decay per value instead of shrinking every bin. */
  scale: number;
  total: number;
  readonly decay: number;
}

const RATIO = 1.02;
const LOG_RATIO = Math.log(RATIO);

/**
 * @example
 * const latency = createLogHistogram(0.01, 1e7, 2000); // ms, half-life 2,000 values
 * addValue(latency, 412);
 * quantileOf(latency, 0.95);
 */
export function createLogHistogram(low: number, high: number, halfLife: number): LogHistogram {
  const count = Math.ceil(Math.log(high / low) / LOG_RATIO) + 2;
  return { low, ratio: RATIO, bins: new Float64Array(count), scale: 1, total: 0, decay: halfLife > 0 ? 2 ** (-1 / halfLife) : 1 };
}

function binOf(h: LogHistogram, value: number): number {
  if (!(value > h.low)) return 0;
  return Math.min(h.bins.length - 1, 1 + Math.floor(Math.log(value / h.low) / LOG_RATIO));
}

/** Lower edge of bin i (bin 0 holds everything up to `low`). */
function edge(h: LogHistogram, i: number): number {
  return i <= 0 ? 0 : h.low * RATIO ** (i - 1);
}

/** @example addValue(latency, 412) */
export function addValue(h: LogHistogram, value: number): void {
  if (!Number.isFinite(value)) return;
  h.bins[binOf(h, value)]! += h.scale;
  h.total += h.scale;
  if (h.decay < 1) {
    h.scale /= h.decay;
    if (h.scale > 1e150) {
      // Renormalise long before overflow; ratios (all that quantiles use) are unchanged.
      for (let i = 0; i < h.bins.length; i++) h.bins[i]! /= h.scale;
      h.total /= h.scale;
      h.scale = 1;
    }
  }
}

/** The sum of the values' weights relative to the newest (1 each without forgetting): the effective sample size. */
export function effectiveCount(h: LogHistogram): number {
  return h.decay < 1 ? h.total / (h.scale * h.decay) : h.total;
}

/**
 * The q-quantile (upper edge of the bin where the cumulative weight reaches q), or null when empty.
 *
 * @example
 * quantileOf(latency, 0.5); // ~ the median, within 2%
 */
export function quantileOf(h: LogHistogram, q: number): number | null {
  if (h.total <= 0) return null;
  const target = q * h.total;
  let acc = 0;
  for (let i = 0; i < h.bins.length; i++) {
    acc += h.bins[i]!;
    if (acc >= target) return i === 0 ? h.low : edge(h, i + 1);
  }
  return edge(h, h.bins.length);
}

/**
 * Two quantiles (q1 < q2) in one pass over the bins, or null when empty.
 *
 * @example
 * quantilePair(latency, 0.5, 0.95); // [p50, p95]
 */
export function quantilePair(h: LogHistogram, q1: number, q2: number): [number, number] | null {
  if (h.total <= 0) return null;
  const t1 = q1 * h.total;
  const t2 = q2 * h.total;
  const upper = (i: number) => (i === 0 ? h.low : edge(h, i + 1));
  let acc = 0;
  let first: number | null = null;
  for (let i = 0; i < h.bins.length; i++) {
    acc += h.bins[i]!;
    if (first === null && acc >= t1) first = upper(i);
    if (acc >= t2) return [first ?? upper(i), upper(i)];
  }
  const top = edge(h, h.bins.length);
  return [first ?? top, top];
}

/**
 * The share of weight above `threshold` (the bin containing it counted in proportion, on a log scale).
 *
 * @example
 * massAbove(latency, 900); // ~0.05 when 900 ms is the p95
 */
export function massAbove(h: LogHistogram, threshold: number): number {
  if (h.total <= 0) return 0;
  const b = binOf(h, threshold);
  let above = 0;
  for (let i = b + 1; i < h.bins.length; i++) above += h.bins[i]!;
  if (b > 0 && b < h.bins.length - 1) {
    const lo = edge(h, b);
    const part = 1 - Math.log(threshold / lo) / LOG_RATIO;
    above += h.bins[b]! * Math.min(1, Math.max(0, part));
  }
  return above / h.total;
}

/** Forgets everything. */
export function clearHistogram(h: LogHistogram): void {
  h.bins.fill(0);
  h.total = 0;
  h.scale = 1;
}
