/**
 * The result of `metaorch compare`: plain, JSON-ready data (no NaN: values that cannot be computed are
 * null). `--format json` prints it as is; the table and Markdown views render it.
 */
import type { Verdict } from '../stats/index.js';
import type { Budget } from './budget.js';
import type { MetricName } from './metrics.js';

/** Version of the compare JSON document. Bump when a field changes meaning or goes away. */
export const COMPARE_SCHEMA_VERSION = 1;
export const COMPARE_KIND = 'meta-orchestrator/compare';

/** Multiple-comparison correction across every (variant, metric) comparison of one invocation. */
export type Correction = 'holm' | 'bh' | 'bonferroni' | 'none';
export const CORRECTIONS: readonly Correction[] = ['holm', 'bh', 'bonferroni', 'none'];

/** One side of the comparison. */
export interface RunSide {
  id: string;
  name: string;
  mode: string;
  status: string;
  seed: number;
  /** Finished trials (ok + errors), all variants. */
  trials: number;
}

/** One variant pair on one metric. `diff` is cand − base in the metric's unit. */
export interface MetricComparison {
  /** `id`, or `base → cand` when `--pair` maps different names. */
  variant: string;
  baseVariant: string;
  candVariant: string;
  metric: MetricName;
  higherIsBetter: boolean;
  /** Means over the observations the test used (per-task means when paired). */
  base: number | null;
  cand: number | null;
  diff: number | null;
  /** diff / |base|. */
  relDiff: number | null;
  /** Two-sided 95% interval for diff, not adjusted for multiplicity. */
  ci95: [number, number] | null;
  /** The interval the verdict used: at 1 − α, widened to 1 − α/m when a correction applies. */
  ciAdjusted: { low: number; high: number; confidence: number } | null;
  /** After the correction. */
  pValue: number | null;
  pValueRaw: number | null;
  verdict: Verdict;
  /** A 'regressed' verdict whose difference is worse than the budget: what makes the command exit 1. */
  exceedsBudget: boolean;
  /** The budget in the metric's unit (relative budgets resolved against the base mean). */
  maxRegression: number;
  /** 'mcnemar-exact', 'paired-t', 'two-proportion-z' or 'welch-t'. */
  test: string;
  paired: boolean;
  /** Observations the test used on each side: tasks when paired, trials otherwise. */
  nBase: number;
  nCand: number;
  /** Trials that counted for this metric on each side. */
  trialsBase: number;
  trialsCand: number;
  sdBase: number | null;
  sdCand: number | null;
}

/** Count of verdicts; `regressedWithinBudget` are significant regressions the budget tolerates. */
export interface VerdictCounts {
  improved: number;
  regressed: number;
  regressedWithinBudget: number;
  noSignificantChange: number;
  inconclusive: number;
}

/** Everything `metaorch compare` found. */
export interface RunComparison {
  schemaVersion: number;
  kind: typeof COMPARE_KIND;
  base: RunSide;
  cand: RunSide;
  metrics: MetricName[];
  alpha: number;
  correction: Correction;
  /** The budget per compared metric, as given. */
  maxRegression: Partial<Record<MetricName, Budget>>;
  /** Comparisons regressed beyond their budget; the command exits 1 when this is above 0. */
  regressions: number;
  counts: VerdictCounts;
  comparisons: MetricComparison[];
  /** Variants of each run that were not compared. */
  unmatched: { base: string[]; cand: string[] };
  warnings: string[];
}
