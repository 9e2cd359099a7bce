import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { createPolicy } from './registry.js';

const MEANS = [0.3, 0.4, 0.5, 0.55, 0.7];

/** Share of the last quarter of `steps` that went to the best arm, averaged over seeds. */
function bestShare(name: string, steps: number, seeds: number, batch = 1): number {
  let share = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const root = createRandom(seed);
    const policy = createPolicy({ name }, MEANS.length, root.fork('state'));
    const rng = root.fork('choose');
    const env = root.fork('env');
    const pending = new Float64Array(MEANS.length);
    const held: [number, number][] = [];
    let best = 0;
    for (let t = 0; t < steps; t++) {
      const arm = policy.choose({ eligible: [0, 1, 2, 3, 4], pending, rng });
      if (t >= (3 * steps) / 4 && arm === 4) best++;
      pending[arm]!++;
      held.push([arm, env.next() < MEANS[arm]! ? 1 : 0]);
      if (held.length === batch) {
        for (const [a, r] of held.splice(0)) {
          pending[a]!--;
          policy.update(a, r);
        }
      }
    }
    share += best / (steps / 4) / seeds;
  }
  return share;
}

describe('concentration on the best arm', () => {
  it.each(['thompson', 'kl-ucb', 'ucb1'])('%s plays the best arm most of the time after a few thousand steps', (name) => {
    expect(bestShare(name, 8000, 4)).toBeGreaterThan(0.8);
  });

  it.each(['thompson', 'kl-ucb'])('%s still concentrates with feedback in batches of 50', (name) => {
    expect(bestShare(name, 8000, 4, 50)).toBeGreaterThan(0.75);
  });

  it('uniform does not', () => {
    expect(bestShare('uniform', 2000, 1)).toBeCloseTo(0.2, 5);
  });
});

describe('a burst of concurrent slots after a lucky start', () => {
  /** Arm 0 won both its trials, the others one of two; then 50 choices are made before any returns. */
  function burst(name: string): number[] {
    const policy = createPolicy({ name }, 5, createRandom(1));
    for (let arm = 0; arm < 5; arm++) {
      policy.update(arm, 1);
      policy.update(arm, arm === 0 ? 1 : 0);
    }
    const pending = new Float64Array(5);
    const rng = createRandom(2);
    for (let i = 0; i < 50; i++) pending[policy.choose({ eligible: [0, 1, 2, 3, 4], pending, rng })]!++;
    return Array.from(pending);
  }

  it.each(['ucb1', 'kl-ucb', 'thompson', 'top-two', 'uniform', 'weighted'])('%s spreads it instead of sending all 50 to the lucky arm', (name) => {
    const counts = burst(name);
    expect(Math.max(...counts)).toBeLessThanOrEqual(35);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThanOrEqual(4);
  });
});
