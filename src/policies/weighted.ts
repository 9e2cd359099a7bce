import * as z from 'zod';
import { adaptive } from './adaptive.js';
import { createArmStats, type ArmStats } from './arm-stats.js';
import { drawProportional } from './choice.js';
import { checkFloor, parseOptions } from './errors.js';
import { adaptiveSchema, type AdaptiveOptions } from './options.js';
import type { PolicyFactory, UpdateInfo } from './types.js';

/**
 * The options of `weighted` (without `name`), validated by the factory and embedded in `policyConfigSchema`.
 *
 * @example
 * weightedOptions.parse({ maxChange: 0.02, minWeight: 0.05 });
 */
export const weightedOptions = adaptiveSchema({
  metric: z.enum(['reward', 'success']).optional().describe('Quality measure: mean reward (default) or success rate.'),
  latencyWeight: z.number().min(0).optional().describe('How much an arm slower than average is penalised (default 0).'),
  costWeight: z.number().min(0).optional().describe('How much an arm costlier than average is penalised (default 0).'),
  temperature: z.number().positive().optional().describe('Softmax temperature over scores; lower is greedier (default 0.1).'),
  maxChange: z.number().gt(0).max(1).optional().describe('Largest change of any weight in one update (default 0.05).'),
  minWeight: z.number().min(0).max(1).optional().describe('No weight falls below this (default 0.01).'),
});

/** Weighted options: the shared adaptive ones plus scoring and dampening. */
export type WeightedOptions = AdaptiveOptions & {
  metric?: 'reward' | 'success';
  latencyWeight?: number;
  costWeight?: number;
  temperature?: number;
  maxChange?: number;
  minWeight?: number;
};

/** Mean of each arm relative to the average over arms that have data; 1 where there is none. */
function relative(stats: ArmStats): number[] {
  const k = stats.n.length;
  let sum = 0;
  let arms = 0;
  for (let i = 0; i < k; i++) {
    if (stats.n[i]! > 0) {
      sum += stats.mean(i);
      arms++;
    }
  }
  const avg = arms > 0 ? sum / arms : 0;
  return Array.from({ length: k }, (_, i) => (stats.n[i]! > 0 && avg > 0 ? stats.mean(i) / avg : 1));
}

/**
 * Per-arm weights recomputed from live statistics after every update, with dampening. The score of an
 * arm is its quality (mean reward or success rate, shrunk toward 1/2 by one pseudo-trial each way so an
 * arm with no data is neutral) divided by 1 + latencyWeight x relative latency + costWeight x relative
 * cost. The target is a softmax of the scores lifted to the floor: minWeight + (1 - k minWeight) x
 * softmax. The weights then move toward the target along a straight line, stopped where the largest
 * single change reaches maxChange; a convex step between two distributions that both respect the
 * floor keeps the sum at 1 and every weight >= minWeight, so both bounds hold exactly.
 *
 * Choices are drawn in proportion to the weights of the eligible arms, so a burst of concurrent slots
 * is spread by the weights; in-flight trials need no other handling.
 *
 * @example
 * const policy = weighted({ latencyWeight: 0.5, maxChange: 0.02 })({ armCount: 3 });
 * policy.update(1, 0.9, { success: true, latencyMs: 800, cost: 0.002 });
 * policy.snapshot(rng).weights;
 */
export function weighted(options: WeightedOptions = {}): PolicyFactory {
  const opts = parseOptions('weighted', weightedOptions, options);
  const temperature = opts.temperature ?? 0.1;
  const maxChange = opts.maxChange ?? 0.05;
  const latencyWeight = opts.latencyWeight ?? 0;
  const costWeight = opts.costWeight ?? 0;
  return (ctx) => {
    const k = ctx.armCount;
    const minWeight = Math.min(opts.minWeight ?? 0.01, 1 / k);
    checkFloor('weighted', 'minWeight', opts.minWeight, k);
    const rewards = createArmStats(k, opts);
    const successes = createArmStats(k, opts);
    const latency = createArmStats(k, opts);
    const cost = createArmStats(k, opts);
    const weights = new Array<number>(k).fill(1 / k);

    const target = (): number[] => {
      const quality = opts.metric === 'success' ? successes : rewards;
      const lat = relative(latency);
      const cst = relative(cost);
      const scores = Array.from({ length: k }, (_, i) => {
        const q = (quality.sum[i]! + 0.5) / (quality.n[i]! + 1);
        return q / (1 + latencyWeight * lat[i]! + costWeight * cst[i]!);
      });
      const top = Math.max(...scores);
      const soft = scores.map((s) => Math.exp((s - top) / temperature));
      const total = soft.reduce((a, b) => a + b, 0);
      return soft.map((s) => minWeight + (1 - k * minWeight) * (s / total));
    };

    const reweigh = (): void => {
      const goal = target();
      let largest = 0;
      for (let i = 0; i < k; i++) largest = Math.max(largest, Math.abs(goal[i]! - weights[i]!));
      const step = largest > maxChange ? maxChange / largest : 1;
      for (let i = 0; i < k; i++) weights[i] = weights[i]! + step * (goal[i]! - weights[i]!);
    };

    const learn = (arm: number, reward: number, info?: UpdateInfo): void => {
      rewards.add(arm, reward);
      // Without an explicit success flag, the reward itself is the success indicator (or its probability).
      successes.add(arm, info?.success === undefined ? reward : info.success ? 1 : 0);
      if (info?.latencyMs !== undefined && Number.isFinite(info.latencyMs)) latency.add(arm, info.latencyMs);
      if (info?.cost !== undefined && Number.isFinite(info.cost)) cost.add(arm, info.cost);
      reweigh();
    };

    return adaptive(
      {
        name: 'weighted',
        bounded: true,
        stats: rewards,
        pick: ({ eligible, rng }) => drawProportional(eligible, weights, rng),
        learn,
        probabilities: () => [...weights],
        describe: () => ({ weights: [...weights] }),
      },
      opts,
      k,
    );
  };
}
