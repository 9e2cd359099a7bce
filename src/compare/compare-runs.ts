/**
 * `metaorch compare` on data: two runs -> per-variant, per-metric comparisons (stats/compareSamples)
 * -> one multiple-comparison family (stats/adjustComparisons) -> a RunComparison. No I/O: the CLI reads
 * the runs, the calibration and tests build them in memory, and both call this same function.
 */
import { adjustComparisons, compareSamples, mean } from '../stats/index.js';
import type { Comparison, Observation } from '../stats/index.js';
import type { RunData } from '../store/records.js';
import { resolveBudget } from './budget.js';
import type { Budget } from './budget.js';
import { METRICS } from './metrics.js';
import type { MetricName } from './metrics.js';
import { pairVariants } from './pairs.js';
import type { VariantPair } from './pairs.js';
import { collectSamples, taskOverlap } from './samples.js';
import type { VariantSamples } from './samples.js';
import { COMPARE_KIND, COMPARE_SCHEMA_VERSION } from './types.js';
import type { Correction, MetricComparison, RunComparison, RunSide, VerdictCounts } from './types.js';

export interface CompareOptions {
  /** Default ['score']. */
  metrics?: readonly MetricName[];
  /** Significance level of the family, default 0.05. */
  alpha?: number;
  /** Default 'holm'. */
  correction?: Correction;
  /** Per metric; missing metrics get 0 (any significant regression fails). */
  budgets?: Partial<Record<MetricName, Budget>>;
  /** `--pair` mapping; default: every variant present in both runs. */
  pairs?: readonly VariantPair[];
}

interface Raw {
  pair: VariantPair;
  metric: MetricName;
  stats: Comparison;
  trialsBase: number;
  trialsCand: number;
}

/**
 * Compare a candidate run with a base run. A variant is compared paired (task by task) when it ran
 * exactly the same task ids in both runs, unpaired otherwise; see stats/compare.ts for the tests.
 * Throws a UsageError when no variant can be compared.
 *
 * @example
 * const result = compareRuns(readExport('base.json'), readExport('pr.json'), { metrics: ['score', 'latency'], budgets: { latency: { value: 0.1, relative: true } } });
 * if (result.regressions > 0) process.exitCode = 1;
 */
export function compareRuns(base: RunData, cand: RunData, options: CompareOptions = {}): RunComparison {
  const metrics = [...(options.metrics ?? ['score'])];
  const alpha = options.alpha ?? 0.05;
  const correction = options.correction ?? 'holm';
  const budgets = Object.fromEntries(metrics.map((m) => [m, options.budgets?.[m] ?? { value: 0, relative: false }])) as Record<MetricName, Budget>;
  const baseSamples = collectSamples(base, metrics);
  const candSamples = collectSamples(cand, metrics);
  const { pairs, unmatched } = pairVariants([...baseSamples.keys()], [...candSamples.keys()], options.pairs);
  const warnings = runWarnings(base, 'base').concat(runWarnings(cand, 'candidate'));

  const raws: Raw[] = [];
  for (const pair of pairs) {
    const b = baseSamples.get(pair.base) as VariantSamples;
    const c = candSamples.get(pair.cand) as VariantSamples;
    const overlap = taskOverlap(b.tasks, c.tasks);
    const paired = overlap.onlyBase === 0 && overlap.onlyCand === 0 && overlap.shared >= 2;
    if (!paired && overlap.shared > 0) {
      warnings.push(
        `${label(pair)}: the runs share ${overlap.shared} task(s) but ${overlap.onlyBase} ran only in the base and ` +
          `${overlap.onlyCand} only in the candidate, so it is compared unpaired (pairing needs the same tasks).`,
      );
    }
    for (const metric of metrics) {
      const def = METRICS[metric];
      const bv = b.values.get(metric) ?? [];
      const cv = c.values.get(metric) ?? [];
      const stats = compareSamples({
        base: bv, cand: cv, metric, paired, alpha, higherIsBetter: def.higherIsBetter,
        maxRegression: resolveBudget(budgets[metric], meanOf(bv)),
      });
      raws.push({ pair, metric, stats, trialsBase: bv.length, trialsCand: cv.length });
    }
  }

  const adjusted = adjustComparisons(raws.map((r) => r.stats), correction);
  const comparisons = raws.map((r, i) => toResult(r, adjusted[i] as Comparison));
  const counts = countVerdicts(comparisons);
  return {
    schemaVersion: COMPARE_SCHEMA_VERSION,
    kind: COMPARE_KIND,
    base: side(base, baseSamples),
    cand: side(cand, candSamples),
    metrics,
    alpha,
    correction,
    maxRegression: budgets,
    regressions: comparisons.filter((c) => c.exceedsBudget).length,
    counts,
    comparisons,
    unmatched,
    warnings,
  };
}

function toResult(r: Raw, a: Comparison): MetricComparison {
  const base = num(a.base.mean);
  const diff = num(a.diff);
  return {
    variant: label(r.pair),
    baseVariant: r.pair.base,
    candVariant: r.pair.cand,
    metric: r.metric,
    higherIsBetter: a.higherIsBetter,
    base,
    cand: num(a.cand.mean),
    diff,
    relDiff: base !== null && diff !== null && base !== 0 ? diff / Math.abs(base) : null,
    ci95: Number.isFinite(a.ci95.low) && Number.isFinite(a.ci95.high) ? [a.ci95.low, a.ci95.high] : null,
    ciAdjusted: Number.isFinite(a.ci.low) && Number.isFinite(a.ci.high) ? { ...a.ci } : null,
    pValue: num(a.pValue),
    pValueRaw: num(a.pValueRaw ?? a.pValue),
    verdict: a.verdict,
    exceedsBudget: a.exceedsBudget,
    maxRegression: a.maxRegression,
    test: a.test,
    paired: a.paired,
    nBase: a.base.n,
    nCand: a.cand.n,
    trialsBase: r.trialsBase,
    trialsCand: r.trialsCand,
    sdBase: num(a.base.sd),
    sdCand: num(a.cand.sd),
  };
}

function countVerdicts(comparisons: readonly MetricComparison[]): VerdictCounts {
  const counts: VerdictCounts = { improved: 0, regressed: 0, regressedWithinBudget: 0, noSignificantChange: 0, inconclusive: 0 };
  for (const c of comparisons) {
    if (c.verdict === 'improved') counts.improved++;
    else if (c.verdict === 'regressed') {
      counts.regressed++;
      if (!c.exceedsBudget) counts.regressedWithinBudget++;
    } else if (c.verdict === 'inconclusive') counts.inconclusive++;
    else counts.noSignificantChange++;
  }
  return counts;
}

function runWarnings(data: RunData, which: string): string[] {
  const out: string[] = [];
  const { run } = data;
  if (run.status !== 'completed') out.push(`the ${which} run ${run.id} is ${run.status}: it compares the trials that finished.`);
  if (run.mode === 'adaptive' || run.mode === 'continuous') {
    out.push(`the ${which} run ${run.id} is ${run.mode}: these fixed-sample tests assume a fixed allocation, so its p-values may be optimistic.`);
  }
  return out;
}

function side(data: RunData, samples: ReadonlyMap<string, VariantSamples>): RunSide {
  let trials = 0;
  for (const s of samples.values()) trials += s.finished;
  const { run } = data;
  return { id: run.id, name: run.name, mode: run.mode, status: run.status, seed: run.seed, trials };
}

function label(pair: VariantPair): string {
  return pair.base === pair.cand ? pair.base : `${pair.base} → ${pair.cand}`;
}

function meanOf(obs: readonly Observation[]): number {
  return obs.length ? mean(Float64Array.from(obs, (o) => o.value)) : NaN;
}

function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
