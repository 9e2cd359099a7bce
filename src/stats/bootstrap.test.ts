import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { expectClose, reference } from './__fixtures__/reference.js';
import { bcaFromReplicates, bootstrapInterval, jackknife } from './bootstrap.js';
import { mean, quantile, sortedCopy } from './descriptive.js';

interface GivenCase {
  values: number[];
  replicates: number[];
  jackknife: number[];
  expected: { low: number; high: number };
}
interface LooseCase {
  values: number[];
  method: 'bca' | 'percentile';
  expected: { low: number; high: number };
}

describe('BCa from given replicates', () => {
  it.each(reference<GivenCase>('bcaGiven'))('matches scipy-style BCa (#%#)', ({ values, replicates, jackknife: jack, expected }) => {
    const data = Float64Array.from(values);
    const jk = jackknife(data, mean);
    jk.forEach((v, i) => expectClose(v, jack[i] as number, 1e-12, 1e-12, `jackknife[${i}]`));
    const r = bcaFromReplicates(mean(data), replicates, jk, 0.95);
    expectClose(r.low, expected.low, 1e-9, 1e-12, 'low');
    expectClose(r.high, expected.high, 1e-9, 1e-12, 'high');
  });
});

describe('bootstrapInterval', () => {
  it.each(reference<LooseCase>('bootstrapLoose'))(
    'lands near scipy.stats.bootstrap (different random streams) (#%#)',
    ({ values, method, expected }) => {
      const r = bootstrapInterval(values, { rng: createRandom(11), resamples: 5000, method });
      const width = expected.high - expected.low;
      expect(Math.abs(r.low - expected.low)).toBeLessThan(0.08 * width);
      expect(Math.abs(r.high - expected.high)).toBeLessThan(0.08 * width);
    },
  );

  it('is deterministic for a seed and supports other statistics', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    const a = bootstrapInterval(values, { rng: createRandom(5), resamples: 500 });
    const b = bootstrapInterval(values, { rng: createRandom(5), resamples: 500 });
    expect(a).toEqual(b);
    const median = (s: Float64Array): number => quantile(sortedCopy(s), 0.5);
    const m = bootstrapInterval(values, { rng: createRandom(5), resamples: 500, statistic: median, method: 'percentile' });
    expect(m.estimate).toBe(3.5);
    expect(m.low).toBeLessThanOrEqual(3.5);
    expect(m.high).toBeGreaterThanOrEqual(3.5);
  });

  it('handles tiny and constant samples', () => {
    expect(bootstrapInterval([1], { rng: createRandom(1) }).low).toBeNaN();
    expect(bootstrapInterval([2, 2, 2], { rng: createRandom(1) })).toEqual({ estimate: 2, low: 2, high: 2 });
  });

  it('falls back to percentile when every replicate lies on one side of the estimate', () => {
    const r = bcaFromReplicates(0, [1, 2, 3, 4], [0.1, -0.1, 0.2], 0.9);
    expect(r.low).toBeCloseTo(1.15, 10);
    expect(r.high).toBeCloseTo(3.85, 10);
  });
});
