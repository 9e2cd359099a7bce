import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { epsilonGreedy } from './epsilon-greedy.js';
import { gaussianThompson } from './gaussian-thompson.js';
import { klBernoulli } from './kl.js';
import { klUcb } from './kl-ucb.js';
import { thompson } from './thompson.js';
import { topTwo } from './top-two.js';
import type { Policy, PolicyFactory } from './types.js';
import { ucb1 } from './ucb1.js';
import { uniform } from './uniform.js';

const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

/** Plays `steps` rounds against Bernoulli arms; returns the choices. Everything seeded. */
function play(factory: PolicyFactory, means: number[], steps: number, seed = 1): number[] {
  const root = createRandom(seed);
  const policy = factory({ armCount: means.length, rng: root.fork('state') });
  const rng = root.fork('choose');
  const env = root.fork('env');
  const pending = new Float64Array(means.length);
  const choices: number[] = [];
  for (let t = 0; t < steps; t++) {
    const arm = policy.choose({ eligible: range(means.length), pending, rng });
    choices.push(arm);
    policy.update(arm, env.next() < means[arm]! ? 1 : 0);
  }
  return choices;
}

/** Feeds fixed outcomes: `[arm, reward]` pairs. */
function feed(policy: Policy, outcomes: [number, number][]): void {
  for (const [arm, reward] of outcomes) policy.update(arm, reward);
}

const none = (k: number) => new Float64Array(k);

describe('uniform', () => {
  it('splits by the given weights, exactly, counting trials in flight', () => {
    const policy = uniform({ weights: [2, 1, 1] })({ armCount: 3 });
    const rng = createRandom(1);
    const counts = [0, 0, 0];
    const pending = new Float64Array(3);
    for (let i = 0; i < 8; i++) {
      const arm = policy.choose({ eligible: range(3), pending, rng });
      pending[arm] = pending[arm]! + 1; // nothing finishes: the split must still hold
      counts[arm]!++;
    }
    expect(counts).toEqual([4, 2, 2]);
    expect(policy.snapshot(rng).probabilities).toEqual([0.5, 0.25, 0.25]);
  });

  it('is a seeded, exact sequence', () => {
    expect(play(uniform(), [0.5, 0.4, 0.3], 9)).toEqual([1, 0, 2, 1, 0, 2, 1, 0, 2]);
  });
});

describe('epsilon-greedy', () => {
  it('with epsilon 0 tries each arm once, then always takes the best mean', () => {
    const policy = epsilonGreedy({ epsilon: 0 })({ armCount: 3 });
    feed(policy, [[0, 0], [1, 1], [2, 0]]);
    const rng = createRandom(2);
    for (let i = 0; i < 20; i++) expect(policy.choose({ eligible: range(3), pending: none(3), rng })).toBe(1);
    expect(policy.choose({ eligible: [0, 2], pending: none(3), rng: createRandom(3) })).toBeOneOf([0, 2]);
  });

  it('decays epsilon as decay x arms / t', () => {
    const policy = epsilonGreedy({ epsilon: 1, decay: 1 })({ armCount: 2 });
    feed(policy, [[0, 1], [1, 0]]);
    for (let i = 0; i < 998; i++) policy.update(0, 1);
    // t = 1000: epsilon = 2 / 1000, so exploration (half of it landing on arm 1) is about 0.1%.
    const p = policy.snapshot(createRandom(4)).probabilities!;
    expect(p[1]).toBeLessThan(0.01);
  });

  it('is a seeded, exact sequence', () => {
    expect(play(epsilonGreedy({ epsilon: 0.2 }), [0.5, 0.4, 0.3], 12)).toEqual([0, 2, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1]);
  });
});

describe('ucb1', () => {
  it('picks the arm with the highest mean + sqrt(c ln t / n)', () => {
    const policy = ucb1({ exploration: 2 })({ armCount: 2 });
    // arm 0: 8/10, arm 1: 1/2; t = 12.
    feed(policy, [...Array.from({ length: 8 }, (): [number, number] => [0, 1]), [0, 0], [0, 0], [1, 1], [1, 0]]);
    const i0 = 0.8 + Math.sqrt((2 * Math.log(12)) / 10);
    const i1 = 0.5 + Math.sqrt((2 * Math.log(12)) / 2);
    expect(i1).toBeGreaterThan(i0);
    expect(policy.choose({ eligible: [0, 1], pending: none(2), rng: createRandom(1) })).toBe(1);
    // Six of arm 1 in flight: n = 8, t = 18, and arm 0 wins.
    const j0 = 0.8 + Math.sqrt((2 * Math.log(18)) / 10);
    const j1 = 0.5 + Math.sqrt((2 * Math.log(18)) / 8);
    expect(j0).toBeGreaterThan(j1);
    expect(policy.choose({ eligible: [0, 1], pending: [0, 6], rng: createRandom(1) })).toBe(0);
  });

  it('scales its default exploration to the rewards', () => {
    const bounded = ucb1()({ armCount: 2 });
    feed(bounded, [[0, 1], [0, 1], [0, 0], [1, 0]]);
    // c = 1/2: 2/3 + sqrt(ln 4 / 6) = 1.147 vs 0 + sqrt(ln 4 / 2) = 0.833
    expect(bounded.choose({ eligible: [0, 1], pending: none(2), rng: createRandom(1) })).toBe(0);
  });

  it('is a seeded, exact sequence', () => {
    expect(play(ucb1(), [0.5, 0.4, 0.3], 12)).toEqual([1, 0, 2, 1, 1, 0, 0, 2, 1, 0, 0, 0]);
  });
});

describe('kl-ucb', () => {
  it('picks the arm with the highest KL upper bound, solving only where needed', () => {
    /** The index by plain bisection, independent of the Newton solver. */
    const bisect = (mean: number, n: number, budget: number): number => {
      let lo = mean;
      let hi = 1;
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (n * klBernoulli(mean, mid) > budget) hi = mid;
        else lo = mid;
      }
      return lo;
    };
    const policy = klUcb()({ armCount: 3 });
    // arm 0: 3/4, arm 1: 1/2, arm 2: 1/3; t = 9.
    feed(policy, [[0, 1], [0, 1], [0, 1], [0, 0], [1, 1], [1, 0], [2, 1], [2, 0], [2, 0]]);
    const b = Math.log(9);
    const index = [bisect(0.75, 4, b), bisect(0.5, 2, b), bisect(1 / 3, 3, b)];
    expect(index[0]).toBeGreaterThan(index[1]!); // 0.985 > 0.975 > 0.936
    expect(index[1]).toBeGreaterThan(index[2]!);
    const rng = createRandom(1);
    expect(policy.choose({ eligible: range(3), pending: none(3), rng })).toBe(0);
    expect(policy.choose({ eligible: [1, 2], pending: none(3), rng })).toBe(1);
    // Four of arm 0 in flight count at its posterior mean 4/6: n = 8, t = 13, and arm 1's wider bound wins.
    expect(bisect(0.5, 2, Math.log(13))).toBeGreaterThan(bisect(0.75, 8, Math.log(13)));
    expect(policy.choose({ eligible: range(3), pending: [4, 0, 0], rng })).toBe(1);
  });

  it('tries untried arms first, spreading in-flight ones', () => {
    const policy = klUcb()({ armCount: 3 });
    const rng = createRandom(9);
    const pending = new Float64Array(3);
    const seen = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const arm = policy.choose({ eligible: range(3), pending, rng });
      pending[arm] = pending[arm]! + 1;
      seen.add(arm);
    }
    expect(seen.size).toBe(3);
  });

  it('is a seeded, exact sequence', () => {
    expect(play(klUcb(), [0.5, 0.4, 0.3], 12)).toEqual([0, 2, 1, 2, 2, 2, 2, 0, 1, 2, 2, 2]);
  });
});

describe('thompson', () => {
  it('is a seeded, exact sequence, and another seed differs', () => {
    const a = play(thompson(), [0.6, 0.4, 0.2], 15, 7);
    expect(a).toEqual([0, 2, 0, 2, 2, 0, 2, 0, 2, 2, 0, 0, 2, 1, 1]);
    expect(play(thompson(), [0.6, 0.4, 0.2], 15, 7)).toEqual(a);
    expect(play(thompson(), [0.6, 0.4, 0.2], 15, 8)).not.toEqual(a);
  });

  it('turns a fractional reward into a seeded Bernoulli outcome', () => {
    const build = () => thompson()({ armCount: 1, rng: createRandom(3) });
    const a = build();
    const b = build();
    for (let i = 0; i < 1000; i++) {
      a.update(0, 0.3);
      b.update(0, 0.3);
    }
    const ma = a.snapshot(createRandom(1)).means[0]!;
    expect(ma).toBe(b.snapshot(createRandom(1)).means[0]);
    expect(Number.isInteger(ma * 1000)).toBe(true);
    expect(Math.abs(ma - 0.3)).toBeLessThan(0.05);
  });

  it('rejects rewards outside [0, 1] and arms out of range', () => {
    const policy = thompson()({ armCount: 2 });
    expect(() => policy.update(0, 1.5)).toThrow(/thompson.*outside \[0, 1\]/);
    expect(() => policy.update(2, 1)).toThrow(/arm 2 is not in 0..1/);
    expect(() => policy.update(0, Number.NaN)).toThrow(/not a finite number/);
    expect(() => policy.choose({ eligible: [], pending: none(2), rng: createRandom(1) })).toThrow(/no eligible arm/);
  });

  it('reports probBest and counts in its snapshot', () => {
    const policy = thompson()({ armCount: 2 });
    for (let i = 0; i < 50; i++) {
      policy.update(0, 1);
      policy.update(1, 0);
    }
    const s = policy.snapshot(createRandom(5));
    expect(s.counts).toEqual([50, 50]);
    expect(s.means).toEqual([1, 0]);
    expect(s.probBest).toEqual([1, 0]);
  });
});

describe('gaussian-thompson', () => {
  it('is a seeded, exact sequence on unbounded rewards', () => {
    const root = createRandom(4);
    const policy = gaussianThompson()({ armCount: 3 });
    const rng = root.fork('choose');
    const env = root.fork('env');
    const means = [10, 9, 5];
    const choices: number[] = [];
    for (let t = 0; t < 12; t++) {
      const arm = policy.choose({ eligible: range(3), pending: none(3), rng });
      choices.push(arm);
      policy.update(arm, means[arm]! + env.normal() * 2);
    }
    expect(choices).toEqual([1, 2, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
    expect(policy.bounded).toBe(false);
  });
});

describe('top-two', () => {
  it('is a seeded, exact sequence', () => {
    expect(play(topTwo(), [0.6, 0.5, 0.2], 15, 3)).toEqual([1, 0, 2, 1, 0, 1, 2, 0, 0, 1, 0, 1, 2, 2, 0]);
  });

  it('splits between the leader and one challenger once the posterior is clear', () => {
    const policy = topTwo({ beta: 0.5 })({ armCount: 3 });
    for (let i = 0; i < 400; i++) {
      policy.update(0, i % 10 < 7 ? 1 : 0);
      policy.update(1, i % 10 < 5 ? 1 : 0);
      policy.update(2, i % 10 < 1 ? 1 : 0);
    }
    const p = policy.snapshot(createRandom(1)).probabilities!;
    expect(p[0]).toBeCloseTo(0.5, 1);
    expect(p[1]).toBeCloseTo(0.5, 1);
    expect(policy.shouldStop?.(0.05)).toMatchObject({ stop: true, best: 0 });
  });
});
