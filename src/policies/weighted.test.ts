import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { weighted } from './weighted.js';

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('weighted', () => {
  it('moves weights toward the better arm by at most maxChange per update', () => {
    const policy = weighted({ maxChange: 0.05, minWeight: 0.1, temperature: 0.1 })({ armCount: 2 });
    const rng = createRandom(1);
    expect(policy.snapshot(rng).weights).toEqual([0.5, 0.5]);
    policy.update(0, 1);
    expect(policy.snapshot(rng).weights).toEqual([0.55, 0.45]);
    for (let i = 0; i < 100; i++) {
      policy.update(0, 1);
      policy.update(1, 0);
    }
    // Target: 0.1 + 0.8 x softmax of the scores, which all but saturates.
    const [w0, w1] = policy.snapshot(rng).weights!;
    expect(w1).toBeGreaterThanOrEqual(0.1);
    expect(w1).toBeLessThan(0.1 + 1e-3);
    expect(w0! + w1!).toBeCloseTo(1, 12);
    expect(policy.snapshot(rng).probabilities).toEqual(policy.snapshot(rng).weights);
  });

  it('penalises latency and cost relative to the average arm', () => {
    const policy = weighted({ latencyWeight: 1, costWeight: 1, maxChange: 1, minWeight: 0 })({ armCount: 2 });
    for (let i = 0; i < 20; i++) {
      policy.update(0, 0.8, { latencyMs: 3000, cost: 0.03 });
      policy.update(1, 0.8, { latencyMs: 1000, cost: 0.01 });
    }
    const [slow, fast] = policy.snapshot(createRandom(1)).weights!;
    // Quality (16 + 0.5) / 21 for both; penalties 1 + 1.5 + 1.5 and 1 + 0.5 + 0.5 (relative to the mean).
    const q = 16.5 / 21;
    expect(fast).toBeCloseTo(1 / (1 + Math.exp(-(q / 2 - q / 4) / 0.1)), 12);
    expect(slow! + fast!).toBeCloseTo(1, 12);
  });

  it('can score by success rate instead of reward', () => {
    const policy = weighted({ metric: 'success', maxChange: 1, minWeight: 0 })({ armCount: 2 });
    for (let i = 0; i < 20; i++) {
      policy.update(0, 0.2, { success: true });
      policy.update(1, 0.9, { success: false });
    }
    const [w0, w1] = policy.snapshot(createRandom(1)).weights!;
    expect(w0).toBeGreaterThan(w1!);
  });

  it('chooses in proportion to the weights of the eligible arms', () => {
    const policy = weighted({ maxChange: 1, minWeight: 0.05 })({ armCount: 3 });
    for (let i = 0; i < 50; i++) policy.update(2, 1);
    const rng = createRandom(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[policy.choose({ eligible: [0, 1, 2], pending: [0, 0, 0], rng })]!++;
    const w = policy.snapshot(rng).weights!;
    for (let arm = 0; arm < 3; arm++) expect(Math.abs(counts[arm]! / 4000 - w[arm]!)).toBeLessThan(0.03);
    expect(sum(w)).toBeCloseTo(1, 12);
    expect(policy.choose({ eligible: [0, 1], pending: [0, 0, 0], rng })).toBeOneOf([0, 1]);
  });
});
