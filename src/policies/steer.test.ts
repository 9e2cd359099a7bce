import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { createPolicy } from './registry.js';
import { freeSteering, steer, type Steering } from './steer.js';

function shares(steering: Steering, policyName: string, draws = 40_000): number[] {
  const policy = createPolicy({ name: policyName }, 3, createRandom(1));
  const pending = new Float64Array(3);
  const counts = [0, 0, 0];
  const rng = createRandom(2);
  for (let i = 0; i < draws; i++) counts[steer(policy, steering, { eligible: steering.eligible, pending, rng })]! += 1;
  return counts.map((c) => c / draws);
}

describe('steer', () => {
  it('leaves the policy alone under free steering', () => {
    const s = shares(freeSteering(3), 'thompson');
    for (const x of s) expect(x).toBeCloseTo(1 / 3, 1);
  });

  it('excludes arms outside eligible, except through their floor (probes)', () => {
    const s = shares({ eligible: [0, 1], weights: [1, 1, 1], floors: [0, 0, 0.05], floorTotal: 0.05 }, 'thompson');
    expect(s[2]).toBeCloseTo(0.05, 2);
    expect(s[0]).toBeCloseTo(0.475, 1);
  });

  it('thins an arm by its weight: weight 0.5 of a third leaves about a fifth', () => {
    const s = shares({ eligible: [0, 1, 2], weights: [1, 0.5, 1], floors: [0, 0, 0], floorTotal: 0 }, 'thompson');
    // P(arm 1) = 1/3 x 0.5 = 1/6 on the first draw; refusals go to the others.
    expect(s[1]).toBeCloseTo(1 / 6, 2);
    expect(s[0]! + s[2]!).toBeCloseTo(5 / 6, 2);
  });

  it('works with deterministic policies (a refused arm is dropped, not asked again)', () => {
    const s = shares({ eligible: [0, 1, 2], weights: [0, 1, 1], floors: [0, 0, 0], floorTotal: 0 }, 'uniform', 3000);
    expect(s[0]).toBe(0);
  });
});
