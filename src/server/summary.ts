/**
 * RunAggregate -> the API's variant table and chart series. The statistics follow `computeReport`
 * (src/report/compute.ts) exactly: Student t interval of the mean score over trials that did not error,
 * Wilson interval of the pass rate, interpolated p50/p95 of successful latencies, best = highest mean,
 * ties to the higher pass rate then the cheaper variant.
 */
import { clampScoreInterval, knownCost, knownTokens, pickBest } from '../report/compute.js';
import { quantile } from '../stats/descriptive.js';
import { tQuantile } from '../stats/distributions.js';
import { wilsonInterval } from '../stats/intervals.js';
import { CELL, CELL_SIZE, type RunAggregate, type VariantTotals } from './aggregate.js';
import type { PolicyState, SeriesResponse, VariantStats } from './api-types.js';

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Mean and t interval from sums, as meanInterval computes them from the values. */
export function meanFromSums(n: number, s: number, s2: number): { mean: number | null; ci: [number, number] | null } {
  if (n === 0) return { mean: null, ci: null };
  const mean = s / n;
  if (n < 2) return { mean, ci: null };
  const variance = Math.max(0, (s2 - (s * s) / n) / (n - 1));
  const half = tQuantile(0.975, n - 1) * Math.sqrt(variance / n);
  return Number.isFinite(half) ? { mean, ci: clampScoreInterval([mean - half, mean + half]) } : { mean, ci: null };
}

/**
 * The variant table.
 *
 * @example
 * variantStats(aggregate, adapters, policy);
 */
export function variantStats(agg: RunAggregate, adapters: ReadonlyMap<string, string>, policy: PolicyState | null): VariantStats[] {
  return agg.variantOrder.map((id) => {
    const t = agg.totals.get(id) as VariantTotals;
    const { mean, ci } = meanFromSums(t.ns, t.s, t.s2);
    const wi = wilsonInterval(t.passes, t.judged);
    const lat = agg.latency.sorted(id);
    return {
      id, adapter: adapters.get(id) ?? '?', trials: t.finished, errors: t.errors, errorRate: t.finished ? t.errors / t.finished : 0,
      errorsByKind: t.errorsByKind,
      meanScore: mean, ci95: ci,
      passRate: t.judged ? wi.estimate : null,
      passRateCi95: t.judged && Number.isFinite(wi.low) ? [wi.low, wi.high] : null,
      latencyP50Ms: lat.length ? finite(quantile(lat, 0.5)) : null,
      latencyP95Ms: lat.length ? finite(quantile(lat, 0.95)) : null,
      latencySampled: !agg.latency.exact,
      ...knownCost(t.finished, t.costUnknown, t.cost),
      ...knownTokens(t.finished, t.tokensUnknown, t.tokensIn, t.tokensOut),
      meanAttempts: t.finished ? t.attempts / t.finished : null,
      // No P(best) for a variant without a scored trial: there is nothing it could be best at.
      probBest: mean === null ? null : policy?.probBest?.[id] ?? null,
      allocation: policy?.probabilities?.[id] ?? policy?.weights?.[id] ?? null,
    };
  });
}

/** The best variant by the rule of `computeReport` (the same function). */
export { pickBest };

/**
 * Chart series over trial order: cumulative mean score with its 95% band, each variant's share of a
 * trailing window of trials (the allocation), and mean latency per bucket.
 */
export function series(agg: RunAggregate): SeriesResponse {
  const buckets = agg.buckets;
  const size = agg.bucketSize;
  const x = Array.from({ length: buckets }, (_, b) => Math.min((b + 1) * size, Number.MAX_SAFE_INTEGER) - 1);
  const totals = new Float64Array(buckets);
  for (const id of agg.variantOrder) {
    const c = agg.cellsOf(id);
    for (let b = 0; b < buckets; b++) totals[b]! += c[b * CELL_SIZE + CELL.n] ?? 0;
  }
  const finished = totals.reduce((a, b) => a + b, 0);
  // The allocation window: about a fiftieth of the run, at least ten trials per variant.
  const windowTrials = Math.max(10 * agg.variantOrder.length, finished / 50);
  const window = Math.max(1, Math.round(windowTrials / size));
  const windowTotals = trailingSums(totals, window);
  const variants = agg.variantOrder.map((id) => {
    const c = agg.cellsOf(id);
    const mean: (number | null)[] = [];
    const low: (number | null)[] = [];
    const high: (number | null)[] = [];
    const latency: (number | null)[] = [];
    const counts = new Float64Array(buckets);
    let n = 0;
    let s = 0;
    let s2 = 0;
    for (let b = 0; b < buckets; b++) {
      const o = b * CELL_SIZE;
      n += c[o + CELL.ns] ?? 0;
      s += c[o + CELL.s] ?? 0;
      s2 += c[o + CELL.s2] ?? 0;
      counts[b] = c[o + CELL.n] ?? 0;
      const m = meanFromSums(n, s, s2);
      mean.push(round(m.mean));
      low.push(round(m.ci ? Math.max(0, m.ci[0]) : null));
      high.push(round(m.ci ? Math.min(1, m.ci[1]) : null));
      const latN = c[o + CELL.latN] ?? 0;
      latency.push(latN ? round((c[o + CELL.latSum] ?? 0) / latN) : null);
    }
    const windowCounts = trailingSums(counts, window);
    const share = Array.from(windowCounts, (k, b) => (windowTotals[b] ? Math.round((k / windowTotals[b]!) * 10_000) / 10_000 : 0));
    return { id, mean, low, high, share, latency };
  });
  return { seq: agg.seq, bucketSize: size, x, variants };
}

function trailingSums(values: Float64Array, window: number): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    out[i] = sum;
  }
  return out;
}

function round(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : Math.round(x * 1e5) / 1e5;
}
