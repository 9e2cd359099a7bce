import * as z from 'zod';
import type { Random } from '../model/random.js';
import { adaptive } from './adaptive.js';
import { createArmStats } from './arm-stats.js';
import { parseOptions } from './errors.js';
import { createIndexView, type IndexView } from './index-policy.js';
import { klBernoulli, klUcbIndex } from './kl.js';
import { adaptiveSchema, type AdaptiveOptions } from './options.js';
import type { PolicyFactory } from './types.js';

/**
 * The options of `kl-ucb` (without `name`), validated by the factory and embedded in `policyConfigSchema`.
 *
 * @example
 * klUcbOptions.parse({ c: 3 });
 */
export const klUcbOptions = adaptiveSchema({
  c: z
    .number()
    .min(0)
    .optional()
    .describe('Budget ln t + c ln ln t; 0 (the default) is what Garivier and Cappe recommend in practice.'),
});

/** KL-UCB options: the shared adaptive ones and the c of the exploration budget. */
export type KlUcbOptions = AdaptiveOptions & { c?: number };

/**
 * The arm with the highest KL-UCB index. Only arms that can beat the best index so far get their
 * index solved: `count * KL(mean, best) > budget` proves an arm's index is below `best` at the cost of
 * one divergence, so a step costs about one Newton solve instead of one per arm.
 */
function klUcbPick(view: IndexView, eligible: readonly number[], budget: number, rng: Random): number {
  const { count, mean } = view;
  // Visiting the highest mean first gives a strong bound early, so most arms are settled by one test.
  let first = eligible[0]!;
  for (const arm of eligible) if (count[arm]! === 0 || mean[arm]! > mean[first]!) first = arm;
  if (count[first]! === 0) return pickUntried(eligible, count, rng);
  let best = first;
  let top = klUcbIndex(mean[first]!, count[first]!, budget);
  let ties = 1;
  for (const arm of eligible) {
    if (arm === first) continue;
    if (count[arm]! === 0) return pickUntried(eligible, count, rng);
    if (mean[arm]! < top && count[arm]! * klBernoulli(mean[arm]!, top) > budget) continue;
    const index = klUcbIndex(mean[arm]!, count[arm]!, budget);
    if (index > top) {
      best = arm;
      top = index;
      ties = 1;
    } else if (index === top) {
      ties++;
      if (rng.int(ties) === 0) best = arm;
    }
  }
  return best;
}

function pickUntried(eligible: readonly number[], count: Float64Array, rng: Random): number {
  const untried = eligible.filter((arm) => count[arm]! === 0);
  return untried[rng.int(untried.length)]!;
}

/**
 * KL-UCB for rewards in [0, 1] (Garivier and Cappe, 2011): the arm with the largest q such that
 * n KL(mean, q) <= ln t + c ln ln t, each arm tried once first. In-flight trials count as observations
 * at the current mean (see `IndexView`).
 *
 * @example
 * const policy = klUcb()({ armCount: 10 });
 */
export function klUcb(options: KlUcbOptions = {}): PolicyFactory {
  const opts = parseOptions('kl-ucb', klUcbOptions, options);
  const c = opts.c ?? 0;
  return (ctx) => {
    const stats = createArmStats(ctx.armCount, opts);
    const view = createIndexView(ctx.armCount);
    return adaptive(
      {
        name: 'kl-ucb',
        bounded: true,
        stats,
        pick({ eligible, pending, rng }) {
          const logT = Math.log(Math.max(view.refresh(stats, pending, true), 1));
          const budget = logT + (c > 0 && logT > 1 ? c * Math.log(logT) : 0);
          return klUcbPick(view, eligible, budget, rng);
        },
        learn: (arm, reward) => stats.add(arm, reward),
      },
      opts,
      ctx.armCount,
    );
  };
}
