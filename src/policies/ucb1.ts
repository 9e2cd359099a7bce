import { z } from 'zod';
import { adaptive } from './adaptive.js';
import { createArmStats } from './arm-stats.js';
import { argmax } from './choice.js';
import { parseOptions } from './errors.js';
import { createIndexView } from './index-policy.js';
import { adaptiveSchema, type AdaptiveOptions } from './options.js';
import type { PolicyFactory } from './types.js';

export const ucb1Options = adaptiveSchema({
  exploration: z
    .number()
    .positive()
    .optional()
    .describe('c in mean + sqrt(c ln t / n); 2 is Auer et al. (2002), smaller explores less.'),
});

/** UCB1 options: the shared adaptive ones and the exploration constant. */
export type Ucb1Options = AdaptiveOptions & { exploration?: number };

/**
 * UCB1 (Auer, Cesa-Bianchi and Fischer, 2002): the arm maximising mean + sqrt(c ln t / n), each arm
 * tried once first. Works with any sub-Gaussian reward, so it is not restricted to [0, 1]; in-flight
 * trials count as observations at the current mean (see `IndexView`).
 *
 * @example
 * const policy = ucb1({ exploration: 2 })({ armCount: 5 });
 */
export function ucb1(options: Ucb1Options = {}): PolicyFactory {
  const opts = parseOptions('ucb1', ucb1Options, options);
  const c = opts.exploration ?? 2;
  return (ctx) => {
    const stats = createArmStats(ctx.armCount, opts);
    const view = createIndexView(ctx.armCount);
    return adaptive(
      {
        name: 'ucb1',
        bounded: false,
        stats,
        pick({ eligible, pending, rng }) {
          const logT = Math.log(Math.max(view.refresh(stats, pending), 1));
          const { count, mean } = view;
          return argmax(eligible, (arm) => (count[arm]! > 0 ? mean[arm]! + Math.sqrt((c * logT) / count[arm]!) : Infinity), rng);
        },
        learn: (arm, reward) => stats.add(arm, reward),
      },
      opts,
      ctx.armCount,
    );
  };
}
