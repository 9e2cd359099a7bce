/**
 * Run comparison (`metaorch compare`): two runs -> per-variant, per-metric tests with a
 * multiple-comparison correction -> verdicts against a performance budget.
 */
export { compareRuns } from './compare-runs.js';
export type { CompareOptions } from './compare-runs.js';
export { parseCompareFlags } from './options.js';
export type { CompareFlags } from './options.js';
export { METRICS, metricByName, parseMetrics } from './metrics.js';
export type { MetricDef, MetricName, MetricUnit } from './metrics.js';
export { parseBudgets, resolveBudget, describeBudget } from './budget.js';
export type { Budget } from './budget.js';
export { parsePairs, pairVariants } from './pairs.js';
export type { Pairing, VariantPair } from './pairs.js';
export { collectSamples, taskOverlap } from './samples.js';
export type { TaskOverlap, VariantSamples } from './samples.js';
export { syntheticRun, toRunExport } from './synthetic.js';
export type { SyntheticRunOptions, SyntheticVariant } from './synthetic.js';
export { calibrate } from './calibration.js';
export type { CalibrationCase, CalibrationResult } from './calibration.js';
export { COMPARE_KIND, COMPARE_SCHEMA_VERSION, CORRECTIONS } from './types.js';
export type { Correction, MetricComparison, RunComparison, RunSide, VerdictCounts } from './types.js';
