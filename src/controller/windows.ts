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

function push(e: Ewma, decay: number, x: number): void {
  e.sum = e.sum * decay + x;
  e.weight = e.weight * decay + 1;
}

/** The mean of an EWMA, or null before any value. */
export function meanOf(e: Ewma): number | null {
  return e.weight > 0 ? e.sum / e.weight : null;
}

const ewma = (): Ewma => ({ sum: 0, weight: 0 });

/**
 * One variant's metric windows: totals since the start, and exponentially weighted windows (half-life
 * 200 trials of the variant; 2,000 for the long reward mean that the trend compares against).
 */
export interface VariantWindow {
  trials: number;
  errors: number;
  errorsByKind: Record<string, number>;
  retries: number;
  cost: number;
  errorRate: Ewma;
  score: Ewma;
  reward: Ewma;
  rewardLong: Ewma;
  costPerTrial: Ewma;
  retryRate: Ewma;
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
  return {
    trials: 0, errors: 0, errorsByKind: {}, retries: 0, cost: 0, errorRate: ewma(), score: ewma(), reward: ewma(), rewardLong: ewma(),
    costPerTrial: ewma(), retryRate: ewma(), latency: createLogHistogram(0.01, 1e7, SHORT),
  };
}

/** @example const r = createRunWindow(); */
export function createRunWindow(): RunWindow {
  return { trials: 0, errors: 0, reward: ewma(), rewardLong: ewma(), times: new Float64Array(TIMES), timesHead: 0, timesCount: 0 };
}

/** What the windows learn from one finished trial. */
export interface WindowSample {
  time: number;
  error: boolean;
  errorKind: string | null;
  score: number | null;
  reward: number;
  latencyMs: number;
  cost: number;
  retries: number;
}

/** @example addSample(windows, runWindow, sample) */
export function addSample(w: VariantWindow, run: RunWindow, s: WindowSample): void {
  w.trials++;
  w.cost += s.cost;
  w.retries += s.retries;
  push(w.errorRate, SHORT_DECAY, s.error ? 1 : 0);
  if (s.error) {
    w.errors++;
    const kind = s.errorKind ?? 'unknown';
    w.errorsByKind[kind] = (w.errorsByKind[kind] ?? 0) + 1;
  } else {
    addValue(w.latency, s.latencyMs);
  }
  if (s.score !== null) push(w.score, SHORT_DECAY, s.score);
  push(w.reward, SHORT_DECAY, s.reward);
  push(w.rewardLong, LONG_DECAY, s.reward);
  push(w.costPerTrial, SHORT_DECAY, s.cost);
  push(w.retryRate, SHORT_DECAY, s.retries);
  run.trials++;
  if (s.error) run.errors++;
  push(run.reward, SHORT_DECAY, s.reward);
  push(run.rewardLong, LONG_DECAY, s.reward);
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
  const reward = meanOf(w.reward);
  const long = meanOf(w.rewardLong);
  return {
    trials: w.trials, errors: w.errors, errorsByKind: { ...w.errorsByKind }, errorRate: meanOf(w.errorRate), meanScore: meanOf(w.score),
    meanReward: reward, rewardTrend: reward !== null && long !== null ? reward - long : null,
    latencyP50Ms: quantileOf(w.latency, 0.5), latencyP95Ms: quantileOf(w.latency, 0.95), costPerTrial: meanOf(w.costPerTrial),
    retriesPerTrial: meanOf(w.retryRate),
  };
}
