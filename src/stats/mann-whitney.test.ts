import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import type { Alternative } from './distributions.js';
import { mannWhitneyPmf, mannWhitneyU } from './mann-whitney.js';

interface Case {
  x: number[];
  y: number[];
  alternative: Alternative;
  method: 'exact' | 'asymptotic';
  continuity?: boolean;
  expected: { statistic: number; pValue: number };
}

describe('mannWhitneyU', () => {
  it.each(reference<Case>('mannWhitney'))('matches scipy mannwhitneyu (#%#)', ({ x, y, alternative, method, continuity, expected }) => {
    const r = mannWhitneyU(x, y, { alternative, method, continuity: continuity ?? true });
    expect(r.method).toBe(method);
    expectClose(r.statistic, expected.statistic, 1e-12, 1e-12, 'U');
    // scipy gives NaN (0/0) when every value is equal; we document p = 1 there.
    expectClose(r.pValue, Number.isNaN(expected.pValue) ? 1 : expected.pValue, 1e-8, 1e-14, 'p');
  });

  it('picks exact without ties and the normal approximation with ties', () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).method).toBe('exact');
    expect(mannWhitneyU([1, 2, 2], [4, 5, 6]).method).toBe('asymptotic');
    expect(() => mannWhitneyU([1, 2, 2], [4, 5, 6], { method: 'exact' })).toThrow(RangeError);
  });

  it('reports the probability of superiority and handles degenerate input', () => {
    expect(mannWhitneyU([5, 6], [1, 2]).probabilityOfSuperiority).toBe(1);
    expect(mannWhitneyU([3, 3], [3, 3, 3]).pValue).toBe(1);
    expect(mannWhitneyU([], [1]).pValue).toBeNaN();
  });

  it('builds a null distribution that sums to one and is symmetric', () => {
    const pmf = mannWhitneyPmf(7, 9);
    expect(pmf.length).toBe(64);
    expectClose(pmf.reduce((a, b) => a + b, 0), 1, 1e-12);
    for (let u = 0; u < pmf.length; u++) expectClose(pmf[u] as number, pmf[63 - u] as number, 1e-12, 1e-15);
  });
});
