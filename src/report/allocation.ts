import { createRandom } from '../model/random.js';
import { sampleBeta } from '../policies/gamma.js';

export interface ArmRewards {
  trials: number;
  rewardSum: number;
}

/**
 * Probability that each variant has the highest mean reward, from Beta(1 + sum, 1 + n - sum)
 * posteriors (rewards in [0,1]) by seeded Monte Carlo: the same data always gives the same numbers.
 *
 * @example
 * probabilityOfBest([{ trials: 100, rewardSum: 70 }, { trials: 100, rewardSum: 60 }]); // ≈ [0.93, 0.07]
 */
export function probabilityOfBest(arms: readonly ArmRewards[], draws = 4000, seed = 1): number[] {
  const rng = createRandom(seed);
  const wins = new Float64Array(arms.length);
  for (let d = 0; d < draws; d++) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < arms.length; i++) {
      const a = arms[i]!;
      const v = sampleBeta(rng, 1 + a.rewardSum, 1 + Math.max(0, a.trials - a.rewardSum));
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    if (best >= 0) wins[best]! += 1;
  }
  return Array.from(wins, (w) => w / draws);
}

/**
 * Estimated regret: reward lost against always choosing the variant that ends with the best mean
 * reward, i.e. sum over variants of trials x (best mean - its mean).
 *
 * @example
 * estimatedRegret([{ trials: 900, rewardSum: 630 }, { trials: 100, rewardSum: 50 }]); // 100 x (0.7 - 0.5) = 20
 */
export function estimatedRegret(arms: readonly ArmRewards[]): number {
  const means = arms.map((a) => (a.trials ? a.rewardSum / a.trials : -Infinity));
  const best = Math.max(...means);
  if (!Number.isFinite(best)) return 0;
  return arms.reduce((total, a, i) => total + (a.trials ? a.trials * (best - (means[i] ?? best)) : 0), 0);
}
