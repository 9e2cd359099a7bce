import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import { mean, quantile, sortedCopy, standardDeviation, variance } from './descriptive.js';

describe('quantile', () => {
  it.each(reference<{ sorted: number[]; p: number; expected: number }>('quantile'))(
    'matches numpy type 7 (#%#)',
    ({ sorted, p, expected }) => expectClose(quantile(sorted, p), expected),
  );

  it('is NaN for an empty sample and rejects p outside [0, 1]', () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
    expect(() => quantile([1], NaN)).toThrow(RangeError);
  });
});

describe('moments', () => {
  it('handles empty, single and constant samples', () => {
    expect(mean([])).toBeNaN();
    expect(variance([3])).toBeNaN();
    expect(variance([2, 2, 2])).toBe(0);
    expect(standardDeviation([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.13809, 5);
  });

  it('keeps precision for large offsets where the sum-of-squares formula fails', () => {
    expectClose(variance([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]), 30, 1e-9);
  });

  it('sorts numerically', () => {
    expect(Array.from(sortedCopy([10, 9, 100]))).toEqual([9, 10, 100]);
  });
});
