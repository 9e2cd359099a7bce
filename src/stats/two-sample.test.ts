import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import type { Alternative } from './distributions.js';
import { twoProportionZTest, welchTTest } from './two-sample.js';

interface WelchCase {
  x: number[];
  y: number[];
  alternative: Alternative;
  expected: { statistic: number; pValue: number; df?: number; estimate?: number; low?: number; high?: number };
}
interface ProportionCase {
  sx: number;
  nx: number;
  sy: number;
  ny: number;
  alternative: Alternative;
  expected: { statistic: number; pValue: number; estimate: number; low: number; high: number };
}

describe('welchTTest', () => {
  it.each(reference<WelchCase>('welch'))('matches scipy ttest_ind(equal_var=False) (#%#)', ({ x, y, alternative, expected }) => {
    const r = welchTTest(x, y, { alternative });
    expectClose(r.statistic, expected.statistic, 1e-9, 1e-12, 'statistic');
    // stdlib's t cdf agrees with scipy's to ~1e-10 relative; tiny p-values need an absolute floor.
    expectClose(r.pValue, expected.pValue, 1e-7, 1e-14, 'p');
    if (expected.df !== undefined) expectClose(r.df ?? NaN, expected.df, 1e-9, 0, 'df');
    if (expected.low !== undefined) expectClose(r.difference?.low ?? NaN, expected.low, 1e-7, 1e-9, 'low');
    if (expected.high !== undefined) expectClose(r.difference?.high ?? NaN, expected.high, 1e-7, 1e-9, 'high');
  });

  it('gives NaN with fewer than two values on a side', () => {
    expect(welchTTest([1], [1, 2, 3]).pValue).toBeNaN();
    expect(welchTTest([], []).statistic).toBeNaN();
  });

  it('treats two identical constant samples as no evidence (scipy gives NaN)', () => {
    const r = welchTTest([0.5, 0.5, 0.5], [0.5, 0.5]);
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
    expect(r.difference).toEqual({ estimate: 0, low: 0, high: 0 });
  });

  it('honours the direction of a one-sided alternative for constant samples', () => {
    expect(welchTTest([2, 2], [1, 1], { alternative: 'greater' }).pValue).toBe(0);
    expect(welchTTest([2, 2], [1, 1], { alternative: 'less' }).pValue).toBe(1);
  });
});

describe('twoProportionZTest', () => {
  it.each(reference<ProportionCase>('twoProportion'))(
    'matches the 2x2 chi-square and Newcombe (#%#)',
    ({ sx, nx, sy, ny, alternative, expected }) => {
      const r = twoProportionZTest(sx, nx, sy, ny, { alternative });
      expectClose(r.statistic, expected.statistic, 1e-9, 1e-12, 'z');
      expectClose(r.pValue, expected.pValue, 1e-8, 1e-14, 'p');
      expectClose(r.difference?.estimate ?? NaN, expected.estimate, 1e-12, 1e-15, 'estimate');
      expectClose(r.difference?.low ?? NaN, expected.low, 1e-9, 1e-12, 'low');
      expectClose(r.difference?.high ?? NaN, expected.high, 1e-9, 1e-12, 'high');
    },
  );

  it('handles all-pass and all-fail on both sides', () => {
    const pass = twoProportionZTest(20, 20, 30, 30);
    expect(pass.pValue).toBe(1);
    expect(pass.difference?.low).toBeLessThan(0);
    expect(pass.difference?.high).toBeGreaterThan(0);
    expect(twoProportionZTest(0, 10, 0, 12).pValue).toBe(1);
  });

  it('gives NaN for an empty arm', () => {
    expect(twoProportionZTest(0, 0, 3, 10).pValue).toBeNaN();
  });
});
