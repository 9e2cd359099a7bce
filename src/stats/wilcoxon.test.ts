import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import type { Alternative } from './distributions.js';
import { signedRankPmf, wilcoxonSignedRank } from './wilcoxon.js';

interface Case {
  x: number[];
  y: number[];
  alternative: Alternative;
  method: 'exact' | 'asymptotic';
  continuity?: boolean;
  expected: { statistic: number; pValue: number };
}

describe('wilcoxonSignedRank', () => {
  it.each(reference<Case>('wilcoxon'))('matches scipy wilcoxon (#%#)', ({ x, y, alternative, method, continuity, expected }) => {
    const r = wilcoxonSignedRank(x, y, { alternative, method, continuity: continuity ?? false });
    expect(r.method).toBe(method);
    expectClose(r.statistic, expected.statistic, 1e-12, 1e-12, 'T');
    expectClose(r.pValue, expected.pValue, 1e-8, 1e-14, 'p');
  });

  it('drops zero differences and says how many pairs it used', () => {
    const r = wilcoxonSignedRank([1, 2, 3, 4, 5], [1, 2, 0, 0, 0]);
    expect(r.nUsed).toBe(3);
    expect(r.method).toBe('exact');
  });

  it('returns p = 1 when every difference is zero and NaN with no pairs', () => {
    expect(wilcoxonSignedRank([1, 2], [1, 2]).pValue).toBe(1);
    expect(wilcoxonSignedRank([], []).pValue).toBeNaN();
  });

  it('builds a null distribution that sums to one', () => {
    const pmf = signedRankPmf(20);
    expect(pmf.length).toBe(211);
    expectClose(pmf.reduce((a, b) => a + b, 0), 1, 1e-12);
  });
});
