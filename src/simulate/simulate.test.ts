import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { klBernoulli } from '../policies/kl.js';
import { logCheckpoints } from './checkpoints.js';
import { drifting } from './drifting.js';
import { bernoulliArms, gaussianArms, laiRobbins } from './environments.js';
import { runRepetition } from './runner.js';
import { runSimulation, summarise } from './simulation.js';

describe('logCheckpoints', () => {
  it('spaces times evenly on a log scale and ends at the horizon', () => {
    expect(logCheckpoints(1000, 4)).toEqual([1, 2, 3, 6, 10, 18, 32, 56, 100, 178, 316, 562, 1000]);
    expect(logCheckpoints(1)).toEqual([1]);
    expect(logCheckpoints(150, 1)).toEqual([1, 10, 100, 150]);
    expect(() => logCheckpoints(0)).toThrow(/positive integer/);
  });
});

describe('environments', () => {
  it('draw Bernoulli and Gaussian rewards around their means', () => {
    const b = bernoulliArms([0.2, 0.7]).create(createRandom(1));
    const g = gaussianArms([5, -1], { sd: 2 }).create(createRandom(1));
    let hits = 0;
    let total = 0;
    for (let i = 0; i < 20_000; i++) {
      hits += b.pull(1);
      total += g.pull(0);
    }
    expect(hits / 20_000).toBeCloseTo(0.7, 1);
    expect(total / 20_000).toBeCloseTo(5, 1);
    expect(b.best()).toBe(0.7);
  });

  it('give each arm its own stream, so a pull does not depend on other arms', () => {
    const a = bernoulliArms([0.5, 0.5]).create(createRandom(3));
    const b = bernoulliArms([0.5, 0.5]).create(createRandom(3));
    for (let i = 0; i < 10; i++) a.pull(1);
    expect(Array.from({ length: 20 }, () => a.pull(0))).toEqual(Array.from({ length: 20 }, () => b.pull(0)));
  });

  it('reject means that are not probabilities for Bernoulli arms', () => {
    expect(() => bernoulliArms([0.5, 1.2])).toThrow(/1.2 is not a probability/);
  });

  it('compute the Lai-Robbins bound', () => {
    const bound = laiRobbins([0.5, 0.4, 0.4], klBernoulli);
    expect(bound(1e6)).toBeCloseTo((2 * 0.1 * Math.log(1e6)) / klBernoulli(0.4, 0.5), 9);
    expect(bernoulliArms([0.5, 0.4, 0.4]).lowerBound!(1e6)).toBeCloseTo(bound(1e6), 9);
    expect(gaussianArms([1, 0], { sd: 1 }).lowerBound!(Math.E)).toBeCloseTo(2, 12);
  });
});

describe('drifting', () => {
  it('redraws each mean with the given probability per step', () => {
    const bandit = drifting(bernoulliArms([0.5, 0.5, 0.5, 0.5]), { probability: 0.01 }).create(createRandom(4));
    let changes = 0;
    let previous = Array.from(bandit.means);
    for (let t = 0; t < 10_000; t++) {
      bandit.tick();
      for (let arm = 0; arm < 4; arm++) if (bandit.means[arm] !== previous[arm]) changes++;
      previous = Array.from(bandit.means);
      expect(bandit.best()).toBe(Math.max(...bandit.means));
    }
    // 4 arms x 10^4 steps x 1%: about 400.
    expect(changes).toBeGreaterThan(320);
    expect(changes).toBeLessThan(480);
    expect(drifting(bernoulliArms([0.5, 0.4]), { probability: 0.1 }).lowerBound).toBeUndefined();
  });

  it('makes forgetting pay off', () => {
    const env = drifting(bernoulliArms([0.9, 0.1, 0.5]), { probability: 5e-4 });
    const regret = (config: { name: string; [k: string]: unknown }) =>
      runSimulation({ environment: env, policies: [{ label: 'p', config }], horizon: 20_000, reps: 6, seed: 1 }).curves[0]!.points.at(-1)!.regretMean;
    expect(regret({ name: 'thompson', discount: 0.995 })).toBeLessThan(regret({ name: 'thompson' }));
  });
});

describe('runRepetition', () => {
  it('is deterministic for a seed and records regret at each checkpoint', () => {
    const env = bernoulliArms([0.5, 0.4, 0.3]);
    const a = runRepetition(env, { name: 'thompson' }, { horizon: 2000, checkpoints: [10, 100, 2000] }, 5, 0);
    expect(Array.from(a)).toEqual(Array.from(runRepetition(env, { name: 'thompson' }, { horizon: 2000, checkpoints: [10, 100, 2000] }, 5, 0)));
    expect(a[0]).toBeLessThanOrEqual(a[1]!);
    expect(a[1]).toBeLessThanOrEqual(a[2]!);
    // Each step costs at most the largest gap.
    expect(a[2]).toBeLessThanOrEqual(0.2 * 2000);
  });

  it('holds feedback back for a batch and tells the policy what is pending', () => {
    const env = bernoulliArms([0.5, 0.4]);
    // Uniform is deterministic over pending + observed trials, so regret is exactly half the gap per step.
    const r = runRepetition(env, { name: 'uniform' }, { horizon: 1000, batch: 7, checkpoints: [1000] }, 1, 0);
    expect(r[0]).toBeCloseTo(50, 9);
  });
});

describe('runSimulation', () => {
  it('summarises mean and standard error per checkpoint, with the bound', () => {
    const result = runSimulation({
      environment: bernoulliArms([0.6, 0.5]),
      policies: [
        { label: 'uniform', config: { name: 'uniform' } },
        { label: 'ts', config: { name: 'thompson' } },
      ],
      horizon: 1000,
      reps: 5,
      seed: 2,
      perDecade: 2,
    });
    expect(result.curves.map((c) => c.policy)).toEqual(['uniform', 'ts']);
    expect(result.curves[0]!.points.map((p) => p.t)).toEqual([1, 3, 10, 32, 100, 316, 1000]);
    const last = result.curves[0]!.points.at(-1)!;
    expect(last.t).toBe(1000);
    expect(last.regretMean).toBeCloseTo(50, 9);
    expect(last.regretSE).toBeCloseTo(0, 9);
    expect(result.curves[1]!.points.at(-1)!.regretMean).toBeLessThan(50);
    expect(result.lowerBound).toHaveLength(7);
    expect(result.schemaVersion).toBe(1);
  });

  it('computes the standard error of the mean', () => {
    expect(summarise([1], [Float64Array.of(1), Float64Array.of(3)])).toEqual([{ t: 1, regretMean: 2, regretSE: 1 }]);
    expect(summarise([1], [Float64Array.of(4)])).toEqual([{ t: 1, regretMean: 4, regretSE: 0 }]);
  });
});
