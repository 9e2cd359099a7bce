import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import { clopperPearsonInterval, meanInterval, wilsonInterval } from './intervals.js';
import type { MeanInterval, ProportionInterval } from './intervals.js';

interface MeanCase {
  values: number[];
  confidence: number;
  expected: MeanInterval;
}
interface ProportionCase {
  successes: number;
  n: number;
  confidence: number;
  wilson: ProportionInterval;
  clopperPearson: ProportionInterval;
}

describe('meanInterval', () => {
  it.each(reference<MeanCase>('meanInterval'))('matches scipy t.interval (#%#)', ({ values, confidence, expected }) => {
    const got = meanInterval(values, confidence);
    expect(got.n).toBe(expected.n);
    for (const key of ['mean', 'sd'] as const) expectClose(got[key], expected[key], 1e-9, 1e-12, key);
    // stdlib's t quantile agrees with scipy's to about 2e-9 relative.
    for (const key of ['low', 'high'] as const) expectClose(got[key], expected[key], 1e-7, 1e-9, key);
  });

  it('returns NaN where a sample is too small to say anything', () => {
    expect(meanInterval([])).toEqual({ n: 0, mean: NaN, sd: NaN, low: NaN, high: NaN });
    expect(meanInterval([0.7])).toEqual({ n: 1, mean: 0.7, sd: NaN, low: NaN, high: NaN });
  });

  it('rejects a confidence outside (0, 1)', () => {
    expect(() => meanInterval([1, 2], 95)).toThrow(RangeError);
  });
});

describe('proportion intervals', () => {
  const cases = reference<ProportionCase>('proportion');
  it.each(cases)('Wilson matches scipy binomtest (#%#)', ({ successes, n, confidence, wilson }) => {
    const got = wilsonInterval(successes, n, confidence);
    expectClose(got.estimate, wilson.estimate);
    expectClose(got.low, wilson.low, 1e-9, 1e-12, 'low');
    expectClose(got.high, wilson.high, 1e-9, 1e-12, 'high');
  });

  it.each(cases)('Clopper-Pearson matches scipy exact (#%#)', ({ successes, n, confidence, clopperPearson }) => {
    const got = clopperPearsonInterval(successes, n, confidence);
    expectClose(got.low, clopperPearson.low, 1e-8, 1e-12, 'low');
    expectClose(got.high, clopperPearson.high, 1e-8, 1e-12, 'high');
  });

  it('returns NaN for n = 0 and rejects impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual({ estimate: NaN, low: NaN, high: NaN });
    expect(clopperPearsonInterval(0, 0)).toEqual({ estimate: NaN, low: NaN, high: NaN });
    expect(() => wilsonInterval(5, 3)).toThrow(RangeError);
    expect(() => clopperPearsonInterval(1.5, 3)).toThrow(RangeError);
  });
});
