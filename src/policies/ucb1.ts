import * as z from 'zod';
import { adaptive } from './adaptive.js';
import { createArmStats, pooledVariance, type ArmStats } from './arm-stats.js';
import { argmax } from './choice.js';
import { parseOptions } from './errors.js';
import { createIndexView } from './index-policy.js';
import { adaptiveSchema, type AdaptiveOptions } from './options.js';
import type { PolicyFactory } from './types.js';

/**
 * The options of `ucb1` (without `name`), validated by the factory and embedded in `policyConfigSchema`.
 *
 * @example
 * ucb1Options.parse({ exploration: 2 });
 */
export const ucb1Options = adaptiveSchema({
  exploration: z
    .number()
    .positive()
    .optional()
    .describe('c in mean + sqrt(c ln t / n). Default: 0.5 while rewards stay in [0, 1], else 2 x pooled variance; 2 is Auer et al. (2002).'),
});

/** UCB1 options: the shared adaptive ones and the exploration constant. */
export type Ucb1Options = AdaptiveOptions & { exploration?: number };

/**
 * c = 2 sigma^2 for rewards with noise scale sigma. Rewards in [0, 1] are sub-Gaussian with sigma = 1/2,
 * so c = 1/2 (Hoeffding); Auer et al.'s c = 2 explores four times too much for them, which costs about
 * four times the regret. For other rewards sigma^2 is the pooled sample variance.
 */
function autoExploration(stats: ArmStats, unit: boolean): number {
  return unit ? 0.5 : 2 * (pooledVariance(stats.n, stats.sum, stats.sumSq) ?? 1);
}

/**
 * UCB1 (Auer, Cesa-Bianchi and Fischer, 2002): the arm maximising mean + sqrt(c ln t / n), each arm
 * tried once first. Not restricted to [0, 1]: the default c follows the rewards' scale (see
 * `autoExploration`). In-flight trials count as observations at the current mean (see `IndexView`).
 *
 * @example
 * const policy = ucb1({ exploration: 2 })({ armCount: 5 });
 */
export function ucb1(options: Ucb1Options = {}): PolicyFactory {
  const opts = parseOptions('ucb1', ucb1Options, options);
  return (ctx) => {
    const stats = createArmStats(ctx.armCount, opts);
    const view = createIndexView(ctx.armCount);
    let unit = true;
    return adaptive(
      {
        name: 'ucb1',
        bounded: false,
        stats,
        pick({ eligible, pending, rng }) {
          const logT = Math.log(Math.max(view.refresh(stats, pending, unit), 1));
          const c = opts.exploration ?? autoExploration(stats, unit);
          const { count, mean } = view;
          return argmax(eligible, (arm) => (count[arm]! > 0 ? mean[arm]! + Math.sqrt((c * logT) / count[arm]!) : Infinity), rng);
        },
        learn(arm, reward) {
          unit &&= reward >= 0 && reward <= 1;
          stats.add(arm, reward);
        },
      },
      opts,
      ctx.armCount,
    );
  };
}
