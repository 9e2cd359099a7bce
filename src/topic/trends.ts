/**
 * The trend of each variant's statistics in a topic run: its requests cut into consecutive windows of
 * `window` requests, each window's figures with a confidence band. Proportions (uniqueness ratio,
 * success rate) get Wilson intervals; means (unique items per call, latency, cost per call) Student t
 * intervals; ratios of sums (unique items per dollar and per second) a seeded percentile bootstrap
 * over the window's requests. Pure: calls in, series out; the same calls give the same bands.
 */
import { createRandom, hashSeed } from '../model/random.js';
import { bootstrapInterval } from '../stats/bootstrap.js';
import { meanInterval, wilsonInterval } from '../stats/intervals.js';
import type { TopicCall } from './calls.js';

/** A figure with its confidence band; null where the window cannot say (no data, or one value for a band). */
export interface Band {
  value: number | null;
  low: number | null;
  high: number | null;
}

/** The figures of one window of a variant's requests. */
export interface TrendPoint {
  /** The run's request count (all variants) when the window's last request finished: the x axis. */
  request: number;
  /** When the window's last request was recorded (ms since the epoch). */
  ts: number;
  /** Requests in the window (the last window may be partial). */
  calls: number;
  uniquenessRatio: Band;
  uniquePerCall: Band;
  uniquePerDollar: Band;
  uniquePerSecond: Band;
  latencyMs: Band;
  successRate: Band;
  /** Dollars per request. */
  cost: Band;
}

/** The figures a trend has, in the order the dashboard shows them. */
export const TREND_METRICS = ['uniquenessRatio', 'uniquePerCall', 'uniquePerDollar', 'uniquePerSecond', 'latencyMs', 'successRate', 'cost'] as const;
export type TrendMetric = (typeof TREND_METRICS)[number];

export interface TrendOptions {
  /** Requests per window, default 20. */
  window?: number;
  /** Default 0.95. */
  confidence?: number;
  /** Bootstrap resamples for the ratio bands, default 400. */
  resamples?: number;
  /** Seed of the bootstrap (each window draws from hashSeed(seed, variant, window)). */
  seed?: number;
  /** Points per variant at most: a long run's windows widen to fit (see trendWindow). */
  maxPoints?: number;
}

/**
 * The window a trend uses: the one asked for, widened so that no variant has more than `maxPoints`.
 *
 * @example
 * trendWindow([{ variant: 'a' }, ...], { window: 20, maxPoints: 50 }); // 20, or 40 once 'a' has 2,000 requests
 */
export function trendWindow(calls: readonly Pick<TopicCall, 'variant'>[], options: TrendOptions = {}): number {
  const window = Math.max(1, Math.floor(options.window ?? DEFAULT_TREND_WINDOW));
  if (!options.maxPoints) return window;
  const counts = new Map<string, number>();
  let most = 0;
  for (const c of calls) {
    const n = (counts.get(c.variant) ?? 0) + 1;
    counts.set(c.variant, n);
    if (n > most) most = n;
  }
  return Math.max(window, Math.ceil(most / Math.max(1, Math.floor(options.maxPoints))));
}

/** Requests per window when none is asked for. */
export const DEFAULT_TREND_WINDOW = 20;

/**
 * Each variant's trend: its requests (in finish order) in windows of `window`, the last one partial.
 *
 * @example
 * const calls = [{ variant: 'a', ok: true, returned: 10, fresh: 8, cost: 0.01, latencyMs: 200, ts: 1 }, ...];
 * variantTrends(calls, { window: 20 }).get('a')![0].uniquenessRatio; // { value: 0.8, low: 0.49, high: 0.94 }
 */
export function variantTrends(calls: readonly TopicCall[], options: TrendOptions = {}): Map<string, TrendPoint[]> {
  const window = trendWindow(calls, options);
  const open = new Map<string, { idx: number[]; points: TrendPoint[] }>();
  const close = (variant: string, w: { idx: number[]; points: TrendPoint[] }) => {
    w.points.push(windowPoint(calls, w.idx, variant, w.points.length, options));
    w.idx = [];
  };
  calls.forEach((call, i) => {
    let w = open.get(call.variant);
    if (!w) open.set(call.variant, (w = { idx: [], points: [] }));
    w.idx.push(i);
    if (w.idx.length === window) close(call.variant, w);
  });
  const out = new Map<string, TrendPoint[]>();
  for (const [variant, w] of open) {
    if (w.idx.length > 0) close(variant, w);
    out.set(variant, w.points);
  }
  return out;
}

/** The figures of the requests at `idx` (positions in `calls`). */
export function windowPoint(calls: readonly TopicCall[], idx: readonly number[], variant: string, windowNo: number, options: TrendOptions = {}): TrendPoint {
  const confidence = options.confidence ?? 0.95;
  const ws = idx.map((i) => calls[i]!);
  const last = idx[idx.length - 1]!;
  const returned = sum(ws.map((c) => c.returned));
  const fresh = sum(ws.map((c) => c.fresh));
  const ok = ws.filter((c) => c.ok).length;
  const priced = ws.filter((c) => c.cost !== null);
  const timed = ws.filter((c) => c.latencyMs !== null);
  const rng = (metric: string) => createRandom(hashSeed(options.seed ?? 1, variant, windowNo, metric));
  const resamples = options.resamples ?? 400;
  return {
    request: last + 1,
    ts: calls[last]!.ts,
    calls: ws.length,
    uniquenessRatio: proportion(fresh, returned, confidence),
    uniquePerCall: meanBand(ws.map((c) => c.fresh), confidence),
    uniquePerDollar: ratioBand(priced.map((c) => c.fresh), priced.map((c) => c.cost!), 1, confidence, resamples, rng('dollar')),
    uniquePerSecond: ratioBand(timed.map((c) => c.fresh), timed.map((c) => c.latencyMs!), 1000, confidence, resamples, rng('second')),
    latencyMs: meanBand(timed.map((c) => c.latencyMs!), confidence),
    successRate: proportion(ok, ws.length, confidence),
    cost: meanBand(priced.map((c) => c.cost!), confidence),
  };
}

function proportion(successes: number, n: number, confidence: number): Band {
  if (n === 0) return NONE;
  const w = wilsonInterval(successes, n, confidence);
  return { value: w.estimate, low: w.low, high: w.high };
}

function meanBand(values: number[], confidence: number): Band {
  if (values.length === 0) return NONE;
  const m = meanInterval(values, confidence);
  return { value: m.mean, low: finite(m.low), high: finite(m.high) };
}

/**
 * scale x sum(num) / sum(den), with a percentile bootstrap over the requests (pairs resampled
 * together). Null when the denominator is 0 (no cost reported, or free calls).
 */
function ratioBand(num: number[], den: number[], scale: number, confidence: number, resamples: number, rng: ReturnType<typeof createRandom>): Band {
  const total = sum(den);
  if (num.length === 0 || !(total > 0)) return NONE;
  const value = (scale * sum(num)) / total;
  const ratio = (sample: Float64Array) => {
    let a = 0;
    let b = 0;
    for (const i of sample) {
      a += num[i]!;
      b += den[i]!;
    }
    // A resample of only zero denominators says nothing: count it at the point estimate.
    return b > 0 ? (scale * a) / b : value;
  };
  const band = bootstrapInterval(num.map((_, i) => i), { rng, resamples, confidence, method: 'percentile', statistic: ratio });
  return { value, low: finite(band.low), high: finite(band.high) };
}

const NONE: Band = { value: null, low: null, high: null };

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
