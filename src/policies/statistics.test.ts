import { describe, expect, it } from 'vitest';
import { createArmStats, pooledVariance } from './arm-stats.js';
import { glrStop, glrThreshold } from './glr.js';
import { klBernoulli, klUcbIndex } from './kl.js';

describe('klBernoulli', () => {
  it('matches the closed form and is zero on the diagonal', () => {
    expect(klBernoulli(0.4, 0.5)).toBeCloseTo(0.4 * Math.log(0.8) + 0.6 * Math.log(1.2), 12);
    expect(klBernoulli(0.3, 0.3)).toBe(0);
    expect(klBernoulli(0, 0.5)).toBeCloseTo(Math.log(2), 12);
    expect(Number.isFinite(klBernoulli(0, 1))).toBe(true);
  });
});

describe('klUcbIndex', () => {
  it('solves count * KL(mean, q) = budget', () => {
    for (const [mean, count, budget] of [
      [0.4, 100, Math.log(1000)],
      [0.05, 20, 3],
      [0.9, 7, 2],
      [0, 50, 4],
    ] as const) {
      const q = klUcbIndex(mean, count, budget);
      expect(q).toBeGreaterThan(mean);
      expect(count * klBernoulli(mean, q)).toBeCloseTo(budget, 8);
    }
  });

  it('returns 1 when no q below 1 uses the budget, and the mean when the budget is 0', () => {
    expect(klUcbIndex(0.9, 1, 100)).toBe(1);
    expect(klUcbIndex(1, 10, 5)).toBe(1);
    expect(klUcbIndex(0.3, 10, 0)).toBe(0.3);
    expect(klUcbIndex(0.3, 0, 5)).toBe(1);
  });

  it('shrinks with more evidence', () => {
    expect(klUcbIndex(0.4, 1000, 5)).toBeLessThan(klUcbIndex(0.4, 100, 5));
  });
});

describe('createArmStats', () => {
  it('keeps exact sums without forgetting', () => {
    const s = createArmStats(2);
    s.add(0, 1);
    s.add(0, 0);
    s.add(1, 0.5);
    expect(Array.from(s.n)).toEqual([2, 1]);
    expect(s.mean(0)).toBe(0.5);
    expect(s.total()).toBe(3);
    expect(Array.from(s.sumSq)).toEqual([1, 0.25]);
  });

  it('discounts every arm on each update', () => {
    const s = createArmStats(2, { discount: 0.5 });
    s.add(0, 1);
    s.add(1, 1);
    s.add(1, 0);
    expect(Array.from(s.n)).toEqual([0.25, 1.5]);
    expect(Array.from(s.sum)).toEqual([0.25, 0.5]);
    expect(Array.from(s.pulls)).toEqual([1, 2]);
    expect(s.total()).toBeCloseTo(1.75, 12);
  });

  it('keeps only the last N outcomes over all arms with a window', () => {
    const s = createArmStats(2, { window: 3 });
    for (const [arm, r] of [[0, 1], [0, 1], [1, 0], [1, 1], [1, 1]] as const) s.add(arm, r);
    expect(Array.from(s.n)).toEqual([0, 3]);
    expect(Array.from(s.sum)).toEqual([0, 2]);
    expect(s.mean(0)).toBe(0);
    expect(Array.from(s.pulls)).toEqual([2, 3]);
  });

  it('pools variance over arms', () => {
    const s = createArmStats(2);
    for (const x of [1, 3]) s.add(0, x);
    for (const x of [10, 12, 14]) s.add(1, x);
    // (2 + 8) / (1 + 2)
    expect(pooledVariance(s.n, s.sum, s.sumSq)).toBeCloseTo(10 / 3, 12);
    expect(pooledVariance([1, 1], [1, 2], [1, 4])).toBeUndefined();
  });
});

describe('glrStop', () => {
  it('uses the threshold ln((1 + ln t) / delta)', () => {
    expect(glrThreshold(1000, 0.05)).toBeCloseTo(Math.log((1 + Math.log(1000)) / 0.05), 12);
  });

  it('computes the Bernoulli GLR against the closest challenger', () => {
    const n = [500, 500, 500];
    const sum = [350, 300, 200];
    const d = glrStop(n, sum, sum, 0.05);
    const mid = 0.65;
    expect(d.best).toBe(0);
    expect(d.statistic).toBeCloseTo(500 * klBernoulli(0.7, mid) + 500 * klBernoulli(0.6, mid), 9);
    expect(d.stop).toBe(d.statistic > d.threshold);
    expect(d.stop).toBe(true);
  });

  it('does not stop on little or tied evidence', () => {
    expect(glrStop([10, 10], [6, 5], [6, 5], 0.05).stop).toBe(false);
    expect(glrStop([100, 100], [50, 50], [50, 50], 0.05).statistic).toBe(0);
    expect(glrStop([100, 0], [60, 0], [60, 0], 0.05).statistic).toBe(0);
  });

  it('has a Gaussian form for unbounded rewards', () => {
    const d = glrStop([50, 50], [100, 50], [250, 100], 0.05, 'gaussian');
    // means 2 and 1, pooled variance (50 + 50) / 98
    expect(d.statistic).toBeCloseTo(25 * (1 / (2 * (100 / 98))), 9);
  });
});
