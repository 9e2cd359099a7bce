import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import { sampleRatioMismatch } from './srm.js';

interface Case {
  counts: number[];
  shares: number[] | null;
  expected: { statistic: number; pValue: number };
}

describe('sampleRatioMismatch', () => {
  it.each(reference<Case>('srm'))('matches scipy chisquare (#%#)', ({ counts, shares, expected }) => {
    const r = sampleRatioMismatch(counts, shares ?? undefined);
    expectClose(r.statistic, expected.statistic, 1e-10, 1e-12, 'chi2');
    expectClose(r.pValue, expected.pValue, 1e-8, 1e-14, 'p');
    expect(r.df).toBe(counts.length - 1);
  });

  it('flags a clear mismatch at the default 0.001 threshold only', () => {
    expect(sampleRatioMismatch([5000, 5200]).mismatch).toBe(false);
    expect(sampleRatioMismatch([5000, 5600]).mismatch).toBe(true);
    expect(sampleRatioMismatch([5000, 5200], undefined, 0.05).mismatch).toBe(true);
  });

  it('handles no trials and rejects bad input', () => {
    expect(sampleRatioMismatch([0, 0]).pValue).toBe(1);
    expect(() => sampleRatioMismatch([10])).toThrow(RangeError);
    expect(() => sampleRatioMismatch([10, 10], [1])).toThrow(RangeError);
    expect(() => sampleRatioMismatch([10, 10], [1, 0])).toThrow(RangeError);
  });
});
