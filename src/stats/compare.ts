/**
 * The statistics behind `metaorch compare`: one metric, base run versus candidate run. Picks the test
 * from the shape of the data, then applies the verdict rule of verdict.ts.
 *
 * Test choice: when both runs scored the same tasks the comparison is paired by task id (task
 * difficulty cancels out, so far fewer trials are needed); repeated trials of a task are averaged
 * first. Pass/fail metrics (every value 0 or 1) use rate tests, others use t-tests, which are robust for
 * means at the sample sizes runs have; rank tests answer a different question (medians/ordering).
 *   paired + binary   -> McNemar exact, Bonett–Price interval
 *   paired            -> paired t on per-task differences
 *   unpaired + binary -> two-proportion z, Agresti–Caffo interval
 *   unpaired          -> Welch t
 */
import { mean, standardDeviation } from './descriptive.js';
import { discordantCounts, mcnemarExact, pairedForm, pairedTTest } from './paired.js';
import { agrestiCaffoDifference, bonettPriceDifference, waldInterval } from './proportion-difference.js';
import type { WaldForm } from './proportion-difference.js';
import type { TestResult } from './test-result.js';
import { twoProportionZTest, welchForm, welchTTest } from './two-sample.js';
import { decideVerdict, exceedsBudget } from './verdict.js';
import type { Adjustable } from './verdict.js';

/** One scored trial (or per-task value) of a metric. */
export interface Observation {
  taskId: string;
  value: number;
}

/** Inputs of {@link compareSamples}. */
export interface CompareInput {
  base: readonly Observation[];
  cand: readonly Observation[];
  /** Name for reports, e.g. 'score' or 'latencyMs'. */
  metric?: string;
  /** 'auto' (default): paired when both sides have exactly the same task ids (≥ 2 of them). true pairs on the shared ids. */
  paired?: boolean | 'auto';
  /** Default 0.05. */
  alpha?: number;
  /** Largest acceptable regression in metric units, default 0. */
  maxRegression?: number;
  /** Default true (scores); false for latency and cost. */
  higherIsBetter?: boolean;
}

/** n, mean and SD of one side (per task when paired). */
export interface SideSummary {
  n: number;
  mean: number;
  sd: number;
}

/** A one-metric comparison, before any multiple-comparison correction. */
export interface Comparison extends Adjustable {
  metric: string;
  test: string;
  paired: boolean;
  base: SideSummary;
  cand: SideSummary;
  /** Two-sided 95% interval for cand − base (for display; the verdict uses `ci`). */
  ci95: { low: number; high: number };
}

/**
 * Compare a candidate's metric with a base's. `diff` is cand − base; see the module comment for the
 * test choice and `decideVerdict` for the rule.
 *
 * @example
 * compareSamples({ base, cand, metric: 'score', maxRegression: 0.02 });
 * // { test: 'paired-t', diff: 0.04, ci95: {...}, pValue: 0.01, verdict: 'improved', ... }
 */
export function compareSamples(input: CompareInput): Comparison {
  const { metric = 'value', alpha = 0.05, maxRegression = 0, higherIsBetter = true } = input;
  const baseByTask = groupByTask(input.base);
  const candByTask = groupByTask(input.cand);
  const shared = [...baseByTask.keys()].filter((id) => candByTask.has(id));
  const sameTasks = shared.length === baseByTask.size && shared.length === candByTask.size;
  const paired = input.paired === true || (input.paired !== false && sameTasks && shared.length >= 2);

  let b: Float64Array;
  let c: Float64Array;
  if (paired) {
    b = Float64Array.from(shared, (id) => mean(baseByTask.get(id) ?? []));
    c = Float64Array.from(shared, (id) => mean(candByTask.get(id) ?? []));
  } else {
    b = Float64Array.from(input.base, (o) => o.value);
    c = Float64Array.from(input.cand, (o) => o.value);
  }
  const binary = isBinary(b) && isBinary(c);
  const { result, interval } = runTest(c, b, paired, binary);
  const bounds = binary ? { low: -1, high: 1 } : { low: -Infinity, high: Infinity };
  const diff = mean(c) - mean(b);
  const ci95 = waldInterval(interval, 0.95, bounds.low, bounds.high);
  const ciLevel = waldInterval(interval, 1 - alpha, bounds.low, bounds.high);
  const ci = { low: ciLevel.low, high: ciLevel.high, confidence: 1 - alpha };
  const verdict = decideVerdict({ diff, pValue: result.pValue, ci, alpha, maxRegression, higherIsBetter });
  return {
    metric,
    test: result.test,
    paired,
    base: summary(b),
    cand: summary(c),
    diff,
    ci95: { low: ci95.low, high: ci95.high },
    ci,
    pValue: result.pValue,
    alpha,
    maxRegression,
    higherIsBetter,
    interval,
    bounds,
    verdict,
    exceedsBudget: exceedsBudget(verdict, diff, maxRegression, higherIsBetter),
  };
}

function runTest(c: Float64Array, b: Float64Array, paired: boolean, binary: boolean): { result: TestResult; interval: WaldForm } {
  // isBinary requires values, so the binary branches never see an empty side.
  if (paired && binary) {
    const { xOnly, yOnly, n } = discordantCounts(c, b);
    return { result: mcnemarExact(c, b), interval: bonettPriceDifference(xOnly, yOnly, n) };
  }
  if (paired) return { result: pairedTTest(c, b), interval: pairedForm(c, b) };
  if (binary) {
    const sc = sum(c);
    const sb = sum(b);
    return { result: twoProportionZTest(sc, c.length, sb, b.length), interval: agrestiCaffoDifference(sc, c.length, sb, b.length) };
  }
  return { result: welchTTest(c, b), interval: welchForm(c, b) };
}

function groupByTask(obs: readonly Observation[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const o of obs) {
    const list = map.get(o.taskId);
    if (list) list.push(o.value);
    else map.set(o.taskId, [o.value]);
  }
  return map;
}

function isBinary(values: Float64Array): boolean {
  return values.length > 0 && values.every((v) => v === 0 || v === 1);
}

function sum(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function summary(values: Float64Array): SideSummary {
  return { n: values.length, mean: mean(values), sd: standardDeviation(values) };
}
