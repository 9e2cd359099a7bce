import { describe, expect, it } from 'vitest';
import { reference } from './__fixtures__/reference.js';
import { sampleSizeMeans, sampleSizeProportions } from './power.js';

interface ProportionCase {
  kind: 'proportions';
  p1: number;
  p2: number;
  alpha: number;
  power: number;
  expected: number;
}
interface MeansCase {
  kind: 'means';
  difference: number;
  sd: number;
  alpha: number;
  power: number;
  exactN: number;
}

const cases = reference<ProportionCase | MeansCase>('power');

describe('sample sizes', () => {
  it.each(cases.filter((c): c is ProportionCase => c.kind === 'proportions'))(
    'proportions match the Fleiss formula (#%#)',
    ({ p1, p2, alpha, power, expected }) => {
      expect(sampleSizeProportions({ p1, p2, alpha, power })).toBe(expected);
    },
  );

  it.each(cases.filter((c): c is MeansCase => c.kind === 'means'))(
    'means are within one trial of the exact noncentral-t answer (#%#)',
    ({ difference, sd, alpha, power, exactN }) => {
      const n = sampleSizeMeans({ difference, sd, alpha, power });
      expect(n).toBeGreaterThanOrEqual(exactN);
      expect(n).toBeLessThanOrEqual(exactN + 1);
    },
  );

  it('matches textbook values', () => {
    expect(sampleSizeProportions({ p1: 0.6, p2: 0.7 })).toBe(356);
    expect(sampleSizeMeans({ difference: 0.5, sd: 1 })).toBe(65);
  });

  it('needs infinitely many trials for no difference and rejects bad input', () => {
    expect(sampleSizeProportions({ p1: 0.5, p2: 0.5 })).toBe(Infinity);
    expect(sampleSizeMeans({ difference: 0, sd: 1 })).toBe(Infinity);
    expect(() => sampleSizeProportions({ p1: 0.5, p2: 0.6, power: 1 })).toThrow(RangeError);
    expect(() => sampleSizeMeans({ difference: 1, sd: -1 })).toThrow(RangeError);
  });
});
