import { describe, expect, it } from 'vitest';
import { probabilityOfBest } from './allocation.js';

/** log Γ(n) = log (n-1)! for the whole numbers these cases need. */
const logFactorial = [0];
for (let i = 1; i <= 50_000; i++) logFactorial.push(logFactorial[i - 1]! + Math.log(i));
const lgamma = (n: number) => logFactorial[n - 1]!;
const lbeta = (a: number, b: number) => lgamma(a) + lgamma(b) - lgamma(a + b);

/** P(B > A) for A ~ Beta(aA, bA), B ~ Beta(aB, bB) with integer aB, in closed form (Evan Miller's sum). */
function bBeatsA(aA: number, bA: number, aB: number, bB: number): number {
  let p = 0;
  for (let i = 0; i < aB; i++) p += Math.exp(lbeta(aA + i, bB + bA) - Math.log(bB + i) - lbeta(1 + i, bB) - lbeta(aA, bA));
  return p;
}

describe('probabilityOfBest', () => {
  it('matches the closed form for two arms, close or far apart, narrow or wide, to 2e-4', () => {
    for (const [a, b] of [
      [{ trials: 100, rewardSum: 70 }, { trials: 100, rewardSum: 60 }],
      [{ trials: 5_000, rewardSum: 2_510 }, { trials: 5_000, rewardSum: 2_500 }],
      [{ trials: 20_000, rewardSum: 10_000 }, { trials: 3, rewardSum: 2 }],
      [{ trials: 1, rewardSum: 0 }, { trials: 40, rewardSum: 39 }],
    ]) {
      const exact = bBeatsA(1 + a!.rewardSum, 1 + a!.trials - a!.rewardSum, 1 + b!.rewardSum, 1 + b!.trials - b!.rewardSum);
      const [pa, pb] = probabilityOfBest([a!, b!]);
      expect(Math.abs(pb! - exact)).toBeLessThan(2e-4);
      expect(pa! + pb!).toBeCloseTo(1, 12);
    }
  });

  it('is symmetric, deterministic and sums to one over many arms', () => {
    expect(probabilityOfBest([{ trials: 0, rewardSum: 0 }, { trials: 0, rewardSum: 0 }, { trials: 0, rewardSum: 0 }]).map((p) => p.toFixed(6)))
      .toEqual(['0.333333', '0.333333', '0.333333']);
    const arms = Array.from({ length: 12 }, (_, i) => ({ trials: 300, rewardSum: 120 + 3 * i }));
    const p = probabilityOfBest(arms);
    expect(p).toEqual(probabilityOfBest(arms));
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    for (let i = 1; i < p.length; i++) expect(p[i]!).toBeGreaterThan(p[i - 1]!);
    const mirrored = probabilityOfBest([...arms].reverse());
    expect(mirrored.reverse().map((v) => v.toFixed(8))).toEqual(p.map((v) => v.toFixed(8)));
    expect(probabilityOfBest([{ trials: 9, rewardSum: 4 }])).toEqual([1]);
  });
});
