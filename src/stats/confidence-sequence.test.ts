import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { reference } from './__fixtures__/reference.js';
import { differenceConfidenceSequence, excludedAt, meanConfidenceSequence } from './confidence-sequence.js';
import { meanInterval } from './intervals.js';

interface Case {
  values: number[];
  plannedN?: number;
  expected: { low: number; high: number };
  gridStep: number;
}

function bernoulli(seed: number, n: number, p: number): Float64Array {
  const rng = createRandom(seed);
  return Float64Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
}

describe('meanConfidenceSequence', () => {
  it.each(reference<Case>('confidenceSequence'))(
    'agrees with an independent grid evaluation in Python (#%#)',
    ({ values, plannedN, expected, gridStep }) => {
      const cs = meanConfidenceSequence(values, plannedN ? { plannedN } : {});
      // The grid keeps the first and last surviving points, so the exact bound lies within a step outside.
      expect(cs.low).toBeLessThanOrEqual(expected.low + 1e-9);
      expect(cs.low).toBeGreaterThanOrEqual(expected.low - gridStep - 1e-9);
      expect(cs.high).toBeGreaterThanOrEqual(expected.high - 1e-9);
      expect(cs.high).toBeLessThanOrEqual(expected.high + gridStep + 1e-9);
    },
  );

  it('covers the true mean at every time in at least 1 − α of runs', () => {
    // 300 runs of 400 Bernoulli(0.3) draws, checking after every draw via the running intersection.
    let misses = 0;
    for (let r = 0; r < 300; r++) {
      const xs = bernoulli(1000 + r, 400, 0.3);
      if (excludedAt(xs, 0.3, [400])[0]) misses++;
    }
    expect(misses / 300).toBeLessThanOrEqual(0.05);
  });

  it('is wider than the fixed interval but shrinks with n', () => {
    const xs = bernoulli(3, 4000, 0.6);
    const small = meanConfidenceSequence(xs.subarray(0, 400));
    const large = meanConfidenceSequence(xs);
    const fixed = meanInterval(xs);
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    expect(large.high - large.low).toBeGreaterThan(fixed.high - fixed.low);
    expect(large.low).toBeLessThanOrEqual(large.estimate);
    expect(large.high).toBeGreaterThanOrEqual(large.estimate);
  });

  it('is tighter near its planned n', () => {
    const xs = bernoulli(4, 5000, 0.5);
    const plain = meanConfidenceSequence(xs);
    const planned = meanConfidenceSequence(xs, { plannedN: 5000 });
    expect(planned.high - planned.low).toBeLessThan(plain.high - plain.low);
  });

  it('gives [0, 1] with no data and rejects values outside [0, 1]', () => {
    expect(meanConfidenceSequence([])).toMatchObject({ n: 0, low: 0, high: 1 });
    expect(() => meanConfidenceSequence([0.5, 1.5])).toThrow(RangeError);
    expect(() => meanConfidenceSequence([0.5], { alpha: 0 })).toThrow(RangeError);
  });

  it('narrows to the extremes for all-pass and all-fail data', () => {
    const pass = meanConfidenceSequence(new Float64Array(500).fill(1));
    expect(pass.high).toBe(1);
    expect(pass.low).toBeGreaterThan(0.9);
    const fail = meanConfidenceSequence(new Float64Array(500));
    expect(fail.low).toBe(0);
    expect(fail.high).toBeLessThan(0.1);
  });
});

describe('differenceConfidenceSequence', () => {
  it('pairs equal-length arms and detects a real difference', () => {
    const cs = differenceConfidenceSequence(bernoulli(5, 3000, 0.7), bernoulli(6, 3000, 0.5));
    expect(cs.low).toBeGreaterThan(0);
    expect(cs.high).toBeLessThan(0.4);
  });

  it('falls back to a union bound for unequal lengths', () => {
    const x = bernoulli(7, 1000, 0.5);
    const y = bernoulli(8, 1500, 0.5);
    const cs = differenceConfidenceSequence(x, y);
    expect(cs.low).toBeLessThan(0);
    expect(cs.high).toBeGreaterThan(0);
    const paired = differenceConfidenceSequence(x, y.subarray(0, 1000));
    expect(cs.high - cs.low).toBeGreaterThan(paired.high - paired.low);
  });
});
