/**
 * The guarantees `metaorch compare` makes, measured on seeded synthetic runs through the same
 * compareRuns the CLI calls: identical variants are called regressed in at most α of repetitions,
 * and a real 10-point regression is caught at n = 500 per side. bench/compare-calibration.ts prints
 * the same measurements with more repetitions.
 */
import { describe, expect, it } from 'vitest';
import { calibrate } from './calibration.js';

const REPS = 200;
const ALPHA = 0.05;
// Two-sided rejections of an A/A test: α plus two binomial standard errors at 200 repetitions.
const TWO_SIDED_MAX = ALPHA + 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / REPS);

describe.each([
  { metric: 'passRate', paired: false, test: 'two-proportion-z' },
  { metric: 'passRate', paired: true, test: 'mcnemar-exact' },
  { metric: 'score', paired: false, test: 'welch-t' },
  { metric: 'score', paired: true, test: 'paired-t' },
] as const)('compare calibration: $metric, $test', ({ metric, paired, test }) => {
  it(`calls identical variants regressed in at most α of ${REPS} seeded repetitions`, () => {
    const r = calibrate({ metric, paired, n: 500, base: 0.8, effect: 0, reps: REPS, alpha: ALPHA });
    expect(r.test).toBe(test);
    expect(r.regressed).toBeLessThanOrEqual(ALPHA * REPS);
    expect(r.significantRate).toBeLessThanOrEqual(TWO_SIDED_MAX);
  });

  it(`catches a 10-point regression (0.80 -> 0.70) at n = 500 per side in at least 90% of ${REPS} repetitions`, () => {
    const r = calibrate({ metric, paired, n: 500, base: 0.8, effect: -0.1, reps: REPS, alpha: ALPHA, seed: 2 });
    expect(r.regressedRate).toBeGreaterThanOrEqual(0.9);
    expect(r.improved).toBe(0);
  });
});
