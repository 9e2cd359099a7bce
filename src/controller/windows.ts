import { addValue, createLogHistogram, quantileOf, type LogHistogram } from './log-histogram.js';

/** Half-lives, in the variant's trials, of the short and the long metric windows. */
const SHORT = 200;
const LONG = 2000;
const SHORT_DECAY = 2 ** (-1 / SHORT);
const LONG_DECAY = 2 ** (-1 / LONG);
/** Finish times kept for the throughput estimate. */
const TIMES = 256;

/** An exponentially weighted mean: `sum / weight` over a recent, smoothly weighted past. */
export interface Ewma {
  sum: number;
  weight: number;
}

/** The mean of an EWMA, or null before any value. */
export function meanOf(e: Ewma): number | null {
  return e.weight > 0 ? e.sum / e.weight : null;
}

/** Slots of a variant's weighted sums in its one typed array (one array: this runs for every trial). */
const W = { errSum: 0, scoreSum: 1, scoreW: 2, rewardSum: 3, longSum: 4, costSum: 5, retrySum: 6, weight: 7, longWeight: 8 } as const;

/**
 * One variant's metric windows: totals since the start, and exponentially weighted sums (half-life
 * 200 trials of the variant; 2,000 for the long reward mean that the trend compares against).
 */
export interface VariantWindow {
  trials: number;
  errors: number;
  errorsByKind: Record<string, number>;
  retries: number;
  cost: number;
  sums: Float64Array;
  latency: LogHistogram;
}

/** The run's own windows: totals, reward, and recent finish times for throughput. */
export interface RunWindow {
  trials: number;
  errors: number;
  reward: Ewma;
  rewardLong: Ewma;
  times: Float64Array;
  timesHead: number;
  timesCount: number;
}

/** @example const w = createVariantWindow(); */
export function createVariantWindow(): VariantWindow {
  return { trials: 0, errors: 0, errorsByKind: {}, retries: 0, cost: 0, sums: new Float64Array(9), latency: createLogHistogram(0.01, 1e7, SHORT) };
}

/** @example const r = createRunWindow(); */
export function createRunWindow(): RunWindow {
  return { trials: 0, errors: 0, reward: { sum: 0, weight: 0 }, rewardLong: { sum: 0, weight: 0 }, times: new Float64Array(TIMES), timesHead: 0, timesCount: 0 };
}

/** What the windows learn from one finished trial. */
export interface WindowSample {
  time: number;
  error: boolean;
  errorKind: string | null;
  score: number | null;
  reward: number;
  latencyMs: number;
  /** Null when unknown (counted as 0 in the cost sums). */
  cost: number | null;
  retries: number;
}

/** @example addSample(windows, runWindow, sample) */
export function addSample(w: VariantWindow, run: RunWindow, s: WindowSample): void {
  w.trials++;
  const cost = s.cost ?? 0;
  w.cost += cost;
  w.retries += s.retries;
  const v = w.sums;
  v[W.errSum] = v[W.errSum]! * SHORT_DECAY + (s.error ? 1 : 0);
  v[W.rewardSum] = v[W.rewardSum]! * SHORT_DECAY + s.reward;
  v[W.costSum] = v[W.costSum]! * SHORT_DECAY + cost;
  v[W.retrySum] = v[W.retrySum]! * SHORT_DECAY + s.retries;
  v[W.weight] = v[W.weight]! * SHORT_DECAY + 1;
  v[W.longSum] = v[W.longSum]! * LONG_DECAY + s.reward;
  v[W.longWeight] = v[W.longWeight]! * LONG_DECAY + 1;
  if (s.score !== null) {
    v[W.scoreSum] = v[W.scoreSum]! * SHORT_DECAY + s.score;
    v[W.scoreW] = v[W.scoreW]! * SHORT_DECAY + 1;
  }
  if (s.error) {
    w.errors++;
    const kind = s.errorKind ?? 'unknown';
    w.errorsByKind[kind] = (w.errorsByKind[kind] ?? 0) + 1;
  } else {
    addValue(w.latency, s.latencyMs);
  }
  run.trials++;
  if (s.error) run.errors++;
  run.reward.sum = run.reward.sum * SHORT_DECAY + s.reward;
  run.reward.weight = run.reward.weight * SHORT_DECAY + 1;
  run.rewardLong.sum = run.rewardLong.sum * LONG_DECAY + s.reward;
  run.rewardLong.weight = run.rewardLong.weight * LONG_DECAY + 1;
  run.times[run.timesHead] = s.time;
  run.timesHead = (run.timesHead + 1) % TIMES;
  if (run.timesCount < TIMES) run.timesCount++;
}

/** Finished trials per second over the last (up to 256) finishes, from their event times. */
export function throughput(run: RunWindow): number | null {
  if (run.timesCount < 2) return null;
  const newest = run.times[(run.timesHead + TIMES - 1) % TIMES]!;
  const oldest = run.times[(run.timesHead + TIMES - run.timesCount) % TIMES]!;
  const span = newest - oldest;
  return span > 0 ? ((run.timesCount - 1) * 1000) / span : null;
}

/** A variant's windows as plain numbers (for /metrics, evidence and the dashboard). */
export interface VariantMetrics {
  trials: number;
  errors: number;
  errorsByKind: Record<string, number>;
  errorRate: number | null;
  meanScore: number | null;
  meanReward: number | null;
  /** Short-window reward minus long-window reward: negative when it is getting worse. */
  rewardTrend: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  costPerTrial: number | null;
  retriesPerTrial: number | null;
}

/** @example variantMetrics(window).latencyP95Ms */
export function variantMetrics(w: VariantWindow): VariantMetrics {
  const v = w.sums;
  const mean = (sum: number, weight: number) => (weight > 0 ? sum / weight : null);
  const reward = mean(v[W.rewardSum]!, v[W.weight]!);
  const long = mean(v[W.longSum]!, v[W.longWeight]!);
  return {
    trials: w.trials, errors: w.errors, errorsByKind: { ...w.errorsByKind }, errorRate: mean(v[W.errSum]!, v[W.weight]!),
    meanScore: mean(v[W.scoreSum]!, v[W.scoreW]!), meanReward: reward, rewardTrend: reward !== null && long !== null ? reward - long : null,
    latencyP50Ms: quantileOf(w.latency, 0.5), latencyP95Ms: quantileOf(w.latency, 0.95), costPerTrial: mean(v[W.costSum]!, v[W.weight]!),
    retriesPerTrial: mean(v[W.retrySum]!, v[W.weight]!),
  };
}
