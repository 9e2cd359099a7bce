import { createRandom, type Random } from '../model/random.js';
import { adaptive } from './adaptive.js';
import { createArmStats, type ArmStats } from './arm-stats.js';
import { monteCarlo } from './choice.js';
import { parseOptions } from './errors.js';
import { sampleBeta } from './gamma.js';
import { adaptiveSchema, type AdaptiveOptions } from './options.js';
import type { ChooseInput, PolicyContext, PolicyFactory } from './types.js';

/**
 * The options of `thompson` (without `name`), validated by the factory and embedded in `policyConfigSchema`.
 *
 * @example
 * thompsonOptions.parse({ discount: 0.999 });
 */
export const thompsonOptions = adaptiveSchema({});

/** Thompson sampling options: only the shared adaptive ones. */
export type ThompsonOptions = AdaptiveOptions;

/**
 * The generator a policy's `update` draws from: a fork of `ctx.rng`, or of a fixed seed when the
 * context gives none, so a policy built without one is still deterministic.
 *
 * @example
 * const rng = updateRandom(ctx, 'thompson');
 */
export function updateRandom(ctx: PolicyContext, name: string): Random {
  return (ctx.rng ?? createRandom(0)).fork(`${name}:update`);
}

/**
 * Turns a reward in [0, 1] into a Bernoulli outcome: 0 and 1 pass unchanged (and use no randomness);
 * a fractional r becomes 1 with probability r (Agrawal and Goyal, 2012), which keeps the Beta
 * posterior exact and the regret guarantees of the Bernoulli case.
 *
 * @example
 * bernoulliOutcome(0.3, rng); // 1 with probability 0.3, else 0
 */
export function bernoulliOutcome(reward: number, rng: Random): number {
  if (reward === 0 || reward === 1) return reward;
  return rng.next() < reward ? 1 : 0;
}

/**
 * The eligible arm whose Beta(1 + successes, 1 + failures) draw is highest.
 *
 * @example
 * thompsonDraw(stats, [0, 1, 2], rng);
 */
export function thompsonDraw(stats: ArmStats, eligible: readonly number[], rng: Random): number {
  const { n, sum } = stats;
  let best = eligible[0]!;
  let top = -1;
  for (let i = 0; i < eligible.length; i++) {
    const arm = eligible[i]!;
    const s = sum[arm]!;
    // Continuous draws never tie, so no tie-breaking is needed.
    const theta = sampleBeta(rng, 1 + s, 1 + n[arm]! - s);
    if (theta > top) {
      top = theta;
      best = arm;
    }
  }
  return best;
}

/**
 * Beta-Bernoulli Thompson sampling with a uniform prior.
 *
 * Randomness in `update`: a fractional reward becomes a Bernoulli draw from a generator forked from
 * `ctx.rng` at construction (label `thompson:update`), so resume, replaying finished trials in order,
 * rebuilds the same posterior.
 *
 * In-flight trials: ignored on purpose. Every slot takes an independent posterior draw, so a burst of
 * concurrent choices is spread in proportion to each arm's probability of being best (probability
 * matching); counting pending trials as observations at the current mean would instead sharpen a lucky
 * arm's posterior and pile the burst onto it.
 *
 * @example
 * const policy = thompson({ discount: 0.999 })({ armCount: 3, rng: createRandom(1) });
 * policy.update(policy.choose({ eligible: [0, 1, 2], pending: [0, 0, 0], rng }), 0.7);
 */
export function thompson(options: ThompsonOptions = {}): PolicyFactory {
  const opts = parseOptions('thompson', thompsonOptions, options);
  return (ctx) => {
    const stats = createArmStats(ctx.armCount, opts);
    const rng = updateRandom(ctx, 'thompson');
    const all = Array.from({ length: ctx.armCount }, (_, i) => i);
    const probBest = (r: Random): number[] => monteCarlo(ctx.armCount, 2000, () => thompsonDraw(stats, all, r));
    return adaptive(
      {
        name: 'thompson',
        bounded: true,
        stats,
        pick: (input: ChooseInput) => thompsonDraw(stats, input.eligible, input.rng),
        learn: (arm, reward) => stats.add(arm, bernoulliOutcome(reward, rng)),
        probabilities: probBest,
        describe: (r) => ({ probBest: probBest(r) }),
      },
      opts,
      ctx.armCount,
    );
  };
}
