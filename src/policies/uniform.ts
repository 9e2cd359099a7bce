import * as z from 'zod';
import { adaptive } from './adaptive.js';
import { createArmStats } from './arm-stats.js';
import { PolicyConfigError, parseOptions } from './errors.js';
import type { PolicyFactory } from './types.js';

/**
 * The options of `uniform` (without `name`), validated by the factory and embedded in `policyConfigSchema`.
 *
 * @example
 * uniformOptions.parse({ weights: [9, 1] });
 */
export const uniformOptions = z.strictObject({
  weights: z
    .array(z.number().nonnegative())
    .optional()
    .describe('Relative share of each arm, in arm order (default equal); e.g. [9, 1] for a 90/10 split.'),
});

/** Uniform options: optional relative weights, one per arm. */
export interface UniformOptions {
  weights?: number[];
}

/**
 * A fixed split (A/B test): equal shares or the given weights. Deterministic: each choice goes to the
 * eligible arm furthest below its share, counting trials in flight, so realised counts track the
 * split exactly rather than by chance and a burst of concurrent slots is divided by the weights.
 *
 * @example
 * const ab = uniform({ weights: [9, 1] })({ armCount: 2 });
 */
export function uniform(options: UniformOptions = {}): PolicyFactory {
  const opts = parseOptions('uniform', uniformOptions, options);
  return (ctx) => {
    const k = ctx.armCount;
    const raw = opts.weights ?? new Array<number>(k).fill(1);
    const total = raw.reduce((a, b) => a + b, 0);
    if (raw.length !== k || !(total > 0)) {
      const message = raw.length !== k ? `expected ${k} weights (one per arm), got ${raw.length}` : 'expected a positive weight for at least one arm';
      throw new PolicyConfigError('uniform', [{ path: 'weights', message }]);
    }
    const share = raw.map((w) => w / total);
    const stats = createArmStats(k);
    return adaptive(
      {
        name: 'uniform',
        bounded: false,
        stats,
        pick({ eligible, pending, rng }) {
          // Least (trials / share) first; an arm with share 0 is chosen only when nothing else is eligible.
          let best = eligible[0]!;
          let lowest = Infinity;
          let ties = 0;
          for (const arm of eligible) {
            const s = share[arm]!;
            const load = s > 0 ? (stats.pulls[arm]! + (pending[arm] ?? 0) + 1) / s : Number.MAX_VALUE;
            if (load < lowest) {
              best = arm;
              lowest = load;
              ties = 1;
            } else if (load === lowest && rng.int(++ties) === 0) {
              best = arm;
            }
          }
          return best;
        },
        learn: (arm, reward) => stats.add(arm, reward),
        probabilities: () => [...share],
      },
      {},
      k,
    );
  };
}
