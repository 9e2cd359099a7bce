import { z } from 'zod';
import type { Random } from '../model/random.js';
import { adaptive } from './adaptive.js';
import { createArmStats, type ArmStats } from './arm-stats.js';
import { monteCarlo } from './choice.js';
import { parseOptions } from './errors.js';
import { klBernoulli } from './kl.js';
import { adaptiveSchema, type AdaptiveOptions } from './options.js';
import { bernoulliOutcome, thompsonDraw, updateRandom } from './thompson.js';
import type { PolicyFactory } from './types.js';

export const topTwoOptions = adaptiveSchema({
  beta: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .describe('Probability of measuring the leader rather than its challenger (default 0.5).'),
  ids: z.number().optional(),
  resamples: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Posterior redraws to find a challenger before falling back to the transportation cost (default 20).'),
});

/** Top-two options: the shared adaptive ones, beta and the resampling budget. */
export type TopTwoOptions = AdaptiveOptions & { beta?: number; resamples?: number };

/**
 * Evidence needed to overturn "leader beats arm": n_l KL(m_l, mid) + n_b KL(m_b, mid). The
 * challenger with the least is the one most worth measuring.
 */
function transportCost(stats: ArmStats, leader: number, arm: number): number {
  const { n, sum } = stats;
  const nl = n[leader]!;
  const nb = n[arm]!;
  if (nl === 0 || nb === 0) return 0;
  const ml = sum[leader]! / nl;
  const mb = sum[arm]! / nb;
  if (mb >= ml) return 0;
  const mid = (nl * ml + nb * mb) / (nl + nb);
  return nl * klBernoulli(ml, mid) + nb * klBernoulli(mb, mid);
}

function challenger(stats: ArmStats, eligible: readonly number[], leader: number, resamples: number, rng: Random): number {
  for (let i = 0; i < resamples; i++) {
    const arm = thompsonDraw(stats, eligible, rng);
    if (arm !== leader) return arm;
  }
  // When the posterior is sharp, redraws rarely differ; the transportation cost answers in one pass.
  let best = -1;
  let lowest = Infinity;
  for (const arm of eligible) {
    if (arm === leader) continue;
    const cost = transportCost(stats, leader, arm);
    if (cost < lowest) {
      best = arm;
      lowest = cost;
    }
  }
  return best;
}

/**
 * Top-two Thompson sampling for best-arm identification (Russo, 2016), Beta-Bernoulli: draw a leader
 * from the posterior; with probability beta measure it, otherwise measure a challenger, the best arm of
 * a redrawn posterior that differs from the leader (after `resamples` failures, the arm with the least
 * transportation cost to the leader, as in T3C). It spends trials on the arms that decide which is best
 * instead of exploiting, so with the GLR stopping rule (`shouldStop`) it reaches a confident answer in a
 * fraction of the trials of a uniform split. Fractional rewards and in-flight trials are handled as in
 * `thompson`.
 *
 * @example
 * const policy = topTwo({ beta: 0.5 })({ armCount: 10, rng });
 * while (!policy.shouldStop(0.05).stop) { const arm = policy.choose(input); policy.update(arm, await run(arm)); }
 */
export function topTwo(options: TopTwoOptions = {}): PolicyFactory {
  const opts = parseOptions('top-two', topTwoOptions, options);
  const beta = opts.beta ?? 0.5;
  const resamples = opts.resamples ?? 20;
  return (ctx) => {
    const stats = createArmStats(ctx.armCount, opts);
    const rng = updateRandom(ctx, 'top-two');
    const all = Array.from({ length: ctx.armCount }, (_, i) => i);
    return adaptive(
      {
        name: 'top-two',
        bounded: true,
        stats,
        pick({ eligible, rng: r }) {
          const leader = thompsonDraw(stats, eligible, r);
          if (eligible.length === 1) return leader;
          if ((opts as {ids?: number}).ids === undefined) { if (r.next() < beta) return leader; return challenger(stats, eligible, leader, resamples, r); }
          const ch = challenger(stats, eligible, leader, resamples, r);
          const nl = stats.n[leader]!, nc = stats.n[ch]!;
          let b = 0.5;
          if (nl + nc > 0) {
            const ml = nl > 0 ? stats.sum[leader]! / nl : 0.5, mc = nc > 0 ? stats.sum[ch]! / nc : 0.5;
            const mid = (nl * ml + nc * mc) / (nl + nc);
            const dl = nl * klBernoulli(ml, mid), dc = nc * klBernoulli(mc, mid);
            const id = (opts as {ids?: number}).ids; const kl_l = klBernoulli(ml, mid), kl_c = klBernoulli(mc, mid);
            b = id === 1 ? (dl + dc > 0 ? dc / (dl + dc) : 0.5) : id === 3 ? (kl_l + kl_c > 0 ? kl_l / (kl_l + kl_c) : 0.5) : id === 4 ? (kl_l + kl_c > 0 ? kl_c / (kl_l + kl_c) : 0.5) : nc / (nl + nc);
          }
          return r.next() < b ? leader : ch;
        },
        learn: (arm, reward) => stats.add(arm, bernoulliOutcome(reward, rng)),
        describe: (r) => ({ probBest: monteCarlo(ctx.armCount, 2000, () => thompsonDraw(stats, all, r)) }),
      },
      opts,
      ctx.armCount,
    );
  };
}
