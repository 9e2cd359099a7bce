import * as z from 'zod';
import type { Random } from '../model/random.js';
import { adaptive } from './adaptive.js';
import { createArmStats, pooledVariance, type ArmStats } from './arm-stats.js';
import { monteCarlo } from './choice.js';
import { parseOptions } from './errors.js';
import { adaptiveSchema, type AdaptiveOptions } from './options.js';
import type { PolicyFactory } from './types.js';
import { normal } from './ziggurat.js';

/**
 * The options of `gaussian-thompson` (without `name`), validated by the factory and embedded in `policyConfigSchema`.
 *
 * @example
 * gaussianThompsonOptions.parse({ sd: 2 });
 */
export const gaussianThompsonOptions = adaptiveSchema({
  sd: z
    .number()
    .positive()
    .optional()
    .describe('Known reward noise (standard deviation); estimated from all arms pooled when omitted.'),
});

/** Gaussian Thompson options: the shared adaptive ones and the optional known noise. */
export type GaussianThompsonOptions = AdaptiveOptions & { sd?: number };

/** The noise scale: given, or pooled over arms (see `pooledVariance`); 1 until there is data. */
function noiseScale(stats: ArmStats, sd: number | undefined): number {
  return sd ?? Math.sqrt(pooledVariance(stats.n, stats.sum, stats.sumSq) ?? 1);
}

function gaussianDraw(stats: ArmStats, sd: number | undefined, eligible: readonly number[], pending: ArrayLike<number>, rng: Random): number {
  const { n, sum, pulls } = stats;
  const untried = eligible.filter((arm) => pulls[arm]! + (pending[arm] ?? 0) === 0);
  if (untried.length > 0) return untried[rng.int(untried.length)]!;
  const sigma = noiseScale(stats, sd);
  let grand = 0;
  let total = 0;
  for (let i = 0; i < n.length; i++) {
    grand += sum[i]!;
    total += n[i]!;
  }
  grand = total > 0 ? grand / total : 0;
  let best = eligible[0]!;
  let top = -Infinity;
  for (const arm of eligible) {
    // An arm whose first result is still in flight draws from a one-observation prior at the grand mean.
    const count = n[arm]! > 0 ? n[arm]! : 1;
    const centre = n[arm]! > 0 ? sum[arm]! / n[arm]! : grand;
    const theta = centre + (sigma * normal(rng)) / Math.sqrt(count);
    if (theta > top) {
      top = theta;
      best = arm;
    }
  }
  return best;
}

/**
 * Thompson sampling for unbounded rewards: each arm's mean has a flat-prior Gaussian posterior,
 * N(mean, sd^2 / n), with sd known or pooled over arms. Each arm is tried once first. In-flight trials
 * are handled as in `thompson`: independent draws spread a burst by probability matching.
 *
 * @example
 * const policy = gaussianThompson({ sd: 1 })({ armCount: 4 });
 */
export function gaussianThompson(options: GaussianThompsonOptions = {}): PolicyFactory {
  const opts = parseOptions('gaussian-thompson', gaussianThompsonOptions, options);
  return (ctx) => {
    const stats = createArmStats(ctx.armCount, opts);
    const all = Array.from({ length: ctx.armCount }, (_, i) => i);
    const none = new Float64Array(ctx.armCount);
    return adaptive(
      {
        name: 'gaussian-thompson',
        bounded: false,
        stats,
        pick: ({ eligible, pending, rng }) => gaussianDraw(stats, opts.sd, eligible, pending, rng),
        learn: (arm, reward) => stats.add(arm, reward),
        describe: (r) => ({ probBest: monteCarlo(ctx.armCount, 2000, () => gaussianDraw(stats, opts.sd, all, none, r)) }),
      },
      opts,
      ctx.armCount,
    );
  };
}
