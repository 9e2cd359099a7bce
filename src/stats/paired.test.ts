import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import type { Alternative } from './distributions.js';
import { discordantCounts, mcnemarExact, pairedTTest } from './paired.js';

interface TCase {
  x: number[];
  y: number[];
  alternative: Alternative;
  expected: { statistic: number; pValue: number; df: number; estimate: number; low: number; high: number };
}
interface McNemarCase {
  x: number[];
  y: number[];
  alternative: Alternative;
  expected: { statistic: number; pValue: number };
}

describe('pairedTTest', () => {
  it.each(reference<TCase>('pairedT'))('matches scipy ttest_rel (#%#)', ({ x, y, alternative, expected }) => {
    const r = pairedTTest(x, y, { alternative });
    expectClose(r.statistic, expected.statistic, 1e-9, 1e-12, 't');
    expectClose(r.pValue, expected.pValue, 1e-7, 1e-14, 'p');
    expect(r.df).toBe(expected.df);
    expectClose(r.difference?.estimate ?? NaN, expected.estimate, 1e-9, 1e-12, 'estimate');
    expectClose(r.difference?.low ?? NaN, expected.low, 1e-7, 1e-9, 'low');
    expectClose(r.difference?.high ?? NaN, expected.high, 1e-7, 1e-9, 'high');
  });

  it('handles one pair, unequal lengths and constant differences', () => {
    expect(pairedTTest([1], [0]).pValue).toBeNaN();
    expect(() => pairedTTest([1, 2], [1])).toThrow(RangeError);
    expect(pairedTTest([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
    const shifted = pairedTTest([2, 3, 4], [1, 2, 3]);
    expect(shifted.statistic).toBe(Infinity);
    expect(shifted.pValue).toBe(0);
  });
});

describe('mcnemarExact', () => {
  it.each(reference<McNemarCase>('mcnemar'))('matches scipy binomtest on discordant pairs (#%#)', ({ x, y, alternative, expected }) => {
    const r = mcnemarExact(x, y, { alternative });
    expect(r.statistic).toBe(expected.statistic);
    expectClose(r.pValue, expected.pValue, 1e-9, 1e-15, 'p');
  });

  it('counts discordant pairs and rejects non-binary values', () => {
    expect(discordantCounts([1, 1, 0, 0], [1, 0, 1, 1])).toEqual({ xOnly: 1, yOnly: 2, n: 4 });
    expect(() => discordantCounts([0.5], [1])).toThrow(RangeError);
  });

  it('gives a paired difference interval inside [-1, 1]', () => {
    const r = mcnemarExact([1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]);
    expect(r.difference?.estimate).toBe(1);
    expect(r.difference?.high).toBeLessThanOrEqual(1);
    expect(r.difference?.low).toBeGreaterThan(0);
  });
});
