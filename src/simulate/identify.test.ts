import { describe, expect, it } from 'vitest';
import { identifyBest } from './identify.js';

const TEN = [0.7, 0.65, 0.62, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3];

function average(policy: string, means: number[], runs: number): { trials: number; wrong: number } {
  let trials = 0;
  let wrong = 0;
  for (let seed = 0; seed < runs; seed++) {
    const r = identifyBest({ means, policy, delta: 0.05, seed, maxTrials: 200_000 });
    expect(r.stopped).toBe(true);
    trials += r.trials / runs;
    if (!r.correct) wrong++;
  }
  return { trials, wrong };
}

describe('identifyBest', () => {
  it('is deterministic for a seed and stops with an answer', () => {
    const input = { means: [0.7, 0.5, 0.4], policy: 'top-two', delta: 0.05, seed: 3, maxTrials: 100_000 };
    const r = identifyBest(input);
    expect(identifyBest(input)).toEqual(r);
    expect(r).toMatchObject({ stopped: true, best: 0, correct: true });
    expect(r.statistic).toBeGreaterThan(r.threshold);
  });

  it('gives up at maxTrials with the empirical best', () => {
    const r = identifyBest({ means: [0.5, 0.5], policy: { name: 'uniform' }, delta: 0.05, seed: 1, maxTrials: 500 });
    expect(r).toMatchObject({ stopped: false, trials: 500, correct: true });
  });

  it('top-two needs far fewer trials than a uniform split for the same confidence', () => {
    // Small versions of the bench's table (which uses 1000 runs): the saving is large enough to show.
    const uniform = average('uniform', TEN, 12);
    const topTwo = average('top-two', TEN, 12);
    expect(topTwo.trials).toBeLessThan(0.45 * uniform.trials);
    expect(uniform.wrong + topTwo.wrong).toBeLessThanOrEqual(1);
  });
});
