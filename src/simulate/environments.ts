import type { Random } from '../model/random.js';
import { klBernoulli } from '../policies/kl.js';
import { normal } from '../policies/ziggurat.js';

/** One live bandit for one repetition: it draws rewards and, when drifting, moves its means. */
export interface Bandit {
  /** Current expected reward of each arm (changes over time only when drifting). */
  readonly means: Float64Array;
  /** The highest current mean. */
  best(): number;
  /** Draws a reward for one trial of `arm`. */
  pull(arm: number): number;
  /** Advances time by one step. */
  tick(): void;
}

/**
 * A bandit problem, as a plain value: `create` makes a fresh live instance for one repetition.
 *
 * @example
 * const bandit = bernoulliArms([0.5, 0.4]).create(createRandom(1));
 * bandit.pull(0); // 0 or 1
 */
export interface Environment {
  readonly name: string;
  readonly armCount: number;
  /** Each arm's expected reward at the start. */
  readonly means: readonly number[];
  /** Rewards lie in [0, 1]. */
  readonly bounded: boolean;
  /** Lai and Robbins' asymptotic lower bound on regret at time t, when one applies (stationary arms). */
  readonly lowerBound?: (t: number) => number;
  create(rng: Random): Bandit;
}

function stationary(means: readonly number[], draw: (mean: number, rng: Random) => number, rng: Random): Bandit {
  const current = Float64Array.from(means);
  const top = Math.max(...means);
  // One stream per arm: the j-th pull of an arm gives the same reward whatever the policy did before,
  // so policies compared under one seed differ by their choices, not by luck (common random numbers).
  const streams = means.map((_, arm) => rng.fork(`arm:${arm}`));
  return {
    means: current,
    best: () => top,
    pull: (arm) => draw(current[arm]!, streams[arm]!),
    tick: () => undefined,
  };
}

/**
 * Lai and Robbins (1985): any consistent policy has regret at least
 * sum over suboptimal arms of (best - mean) / divergence(mean, best) x ln t, asymptotically.
 *
 * @example
 * laiRobbins([0.5, 0.4], klBernoulli)(1e6); // 68.6...
 */
export function laiRobbins(means: readonly number[], divergence: (mean: number, best: number) => number): (t: number) => number {
  const top = Math.max(...means);
  let constant = 0;
  for (const m of means) if (m < top) constant += (top - m) / divergence(m, top);
  return (t) => constant * Math.log(Math.max(t, 1));
}

function checkMeans(means: readonly number[], bounded: boolean): void {
  if (means.length === 0) throw new RangeError('an environment needs at least one arm');
  for (const m of means) {
    if (!Number.isFinite(m) || (bounded && (m < 0 || m > 1))) {
      throw new RangeError(`arm mean ${m} is not ${bounded ? 'a probability in [0, 1]' : 'a finite number'}`);
    }
  }
}

/**
 * Arms paying 1 with probability `means[i]`, else 0.
 *
 * @example
 * const env = bernoulliArms([0.5, ...Array(9).fill(0.4)]);
 */
export function bernoulliArms(means: readonly number[]): Environment {
  checkMeans(means, true);
  return {
    name: 'bernoulli',
    armCount: means.length,
    means: [...means],
    bounded: true,
    lowerBound: laiRobbins(means, klBernoulli),
    create: (rng) => stationary(means, (mean, r) => (r.next() < mean ? 1 : 0), rng),
  };
}

/**
 * Arms paying a normal draw around `means[i]` with standard deviation `sd` (default 1).
 *
 * @example
 * const env = gaussianArms([1, 0.5, 0], { sd: 2 });
 */
export function gaussianArms(means: readonly number[], options: { sd?: number } = {}): Environment {
  checkMeans(means, false);
  const sd = options.sd ?? 1;
  if (!(sd > 0)) throw new RangeError(`sd ${sd} must be positive`);
  return {
    name: `gaussian (sd ${sd})`,
    armCount: means.length,
    means: [...means],
    bounded: false,
    lowerBound: laiRobbins(means, (m, top) => ((top - m) * (top - m)) / (2 * sd * sd)),
    create: (rng) => stationary(means, (mean, r) => mean + sd * normal(r), rng),
  };
}
