/**
 * Calibration of `metaorch compare`: how often it calls a regression when there is none (the
 * false-positive rate, which must stay at or below α) and how often it catches a real one (power).
 * Runs the same `compareRuns` the CLI runs on seeded synthetic runs whose truth is known.
 */
import { hashSeed } from '../model/random.js';
import { compareRuns } from './compare-runs.js';
import { syntheticRun } from './synthetic.js';

export interface CalibrationCase {
  metric: 'score' | 'passRate';
  /** true: both runs score the same tasks (paired tests); false: different tasks (unpaired tests). */
  paired: boolean;
  /** Trials per side (one per task). */
  n: number;
  /** The base variant's true mean score / pass rate. */
  base: number;
  /** True cand − base: 0 for an A/A test, -0.1 for a 10-point regression. */
  effect: number;
  /** Seeded repetitions. */
  reps: number;
  seed?: number;
  alpha?: number;
}

export interface CalibrationResult {
  /** Repetitions whose verdict was each of these. */
  regressed: number;
  improved: number;
  /** regressed / reps: the false-positive rate when effect = 0, the power when effect < 0. */
  regressedRate: number;
  /** (regressed + improved) / reps: the two-sided rejection rate. */
  significantRate: number;
  /** The test the comparison chose. */
  test: string;
}

/**
 * Repeat a base-versus-candidate comparison `reps` times with fresh seeded data.
 *
 * @example
 * calibrate({ metric: 'passRate', paired: false, n: 500, base: 0.8, effect: 0, reps: 200 }).regressedRate; // ≈ 0.025
 */
export function calibrate(c: CalibrationCase): CalibrationResult {
  const { seed = 1, alpha = 0.05 } = c;
  let regressed = 0;
  let improved = 0;
  let test = '';
  for (let r = 0; r < c.reps; r++) {
    const common = {
      tasks: c.n, taskSeed: hashSeed(seed, r, 'tasks'), scores: c.metric === 'score' ? 'graded' : 'binary',
    } as const;
    const base = syntheticRun({ ...common, id: 'base', seed: hashSeed(seed, r, 'base'), variants: [{ id: 'v', quality: c.base }] });
    const cand = syntheticRun({
      ...common, id: 'cand', seed: hashSeed(seed, r, 'cand'), taskPrefix: c.paired ? 't' : 'u', variants: [{ id: 'v', quality: c.base + c.effect }],
    });
    const result = compareRuns(base, cand, { metrics: [c.metric], alpha });
    const cmp = result.comparisons[0];
    if (!cmp) continue;
    test = cmp.test;
    if (cmp.verdict === 'regressed') regressed++;
    if (cmp.verdict === 'improved') improved++;
  }
  return { regressed, improved, regressedRate: regressed / c.reps, significantRate: (regressed + improved) / c.reps, test };
}
