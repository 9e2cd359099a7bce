import * as z from 'zod';
import { adaptive } from './adaptive.js';
import { createArmStats } from './arm-stats.js';
import { argmax } from './choice.js';
import { parseOptions } from './errors.js';
import { adaptiveSchema, type AdaptiveOptions } from './options.js';
import type { PolicyFactory } from './types.js';

/**
 * The options of `epsilon-greedy` (without `name`), validated by the factory and embedded in `policyConfigSchema`.
 *
 * @example
 * epsilonGreedyOptions.parse({ epsilon: 0.05 });
 */
export const epsilonGreedyOptions = adaptiveSchema({
  epsilon: z.number().min(0).max(1).optional().describe('Probability of exploring uniformly (default 0.1).'),
  decay: z
    .number()
    .positive()
    .optional()
    .describe('When set, epsilon falls as min(epsilon, decay x arms / t) (Auer et al., 2002).'),
});

/** Epsilon-greedy options: the shared adaptive ones, epsilon and its optional decay. */
export type EpsilonGreedyOptions = AdaptiveOptions & { epsilon?: number; decay?: number };

/**
 * Epsilon-greedy: explore uniformly with probability epsilon, else take the arm with the best mean.
 * Arms never tried come first. In-flight trials only count toward t for the decay: the greedy choice
 * is by definition the same for every slot of a burst, and exploration is what spreads it; arms whose
 * first result is still in flight are left out of the greedy choice.
 *
 * @example
 * const fixed = epsilonGreedy({ epsilon: 0.05 });
 * const decaying = epsilonGreedy({ epsilon: 1, decay: 5 });
 */
export function epsilonGreedy(options: EpsilonGreedyOptions = {}): PolicyFactory {
  const opts = parseOptions('epsilon-greedy', epsilonGreedyOptions, options);
  const epsilon = opts.epsilon ?? 0.1;
  return (ctx) => {
    const stats = createArmStats(ctx.armCount, opts);
    const { n, pulls } = stats;
    return adaptive(
      {
        name: 'epsilon-greedy',
        bounded: false,
        stats,
        pick({ eligible, pending, rng }) {
          const untried = eligible.filter((arm) => pulls[arm]! + (pending[arm] ?? 0) === 0);
          if (untried.length > 0) return untried[rng.int(untried.length)]!;
          let t = stats.total();
          for (const arm of eligible) t += pending[arm] ?? 0;
          const rate = opts.decay === undefined ? epsilon : Math.min(epsilon, (opts.decay * ctx.armCount) / Math.max(t, 1));
          const known = eligible.filter((arm) => n[arm]! > 0);
          if (known.length === 0 || rng.next() < rate) return eligible[rng.int(eligible.length)]!;
          return argmax(known, (arm) => stats.mean(arm), rng);
        },
        learn: (arm, reward) => stats.add(arm, reward),
      },
      opts,
      ctx.armCount,
    );
  };
}
