import type { Random } from '../model/random.js';
import type { ArmStats } from './arm-stats.js';
import { leastTried, monteCarlo } from './choice.js';
import { checkFloor } from './errors.js';
import { glrStop } from './glr.js';
import type { BestArmStop, ChooseInput, Policy, PolicySnapshot, UpdateInfo } from './types.js';

/**
 * The part that differs between policies. `pick` must not change state: snapshots call it to estimate
 * choice probabilities.
 */
export interface PolicyCore {
  readonly name: string;
  /** Rewards must lie in [0, 1]. */
  readonly bounded: boolean;
  readonly stats: ArmStats;
  pick(input: ChooseInput): number;
  learn(arm: number, reward: number, info?: UpdateInfo): void;
  /** Exact choice probabilities when every arm is eligible; Monte Carlo over `pick` when absent. */
  probabilities?(rng: Random): number[];
  /** Extra snapshot members (weights, probBest). */
  describe?(rng: Random): Partial<PolicySnapshot>;
}

/** How many `pick` calls estimate a randomised policy's choice probabilities in a snapshot. */
const SNAPSHOT_DRAWS = 2000;

/**
 * Wraps a core with what every adaptive policy shares: argument checks, burn-in, the minimum share,
 * snapshots and the GLR best-arm stopping rule.
 *
 * With probability minShare x (eligible arms) an eligible arm is drawn uniformly; mixing (rather than
 * forcing the realised counts) makes the floor an exact bound on the probabilities that a snapshot
 * reports. Otherwise an arm with fewer than `burnIn` trials, counting those in flight, is served
 * first, and only then does the core adapt.
 *
 * @example
 * const policy = adaptive(core, { minShare: 0.02, burnIn: 5 }, 10);
 */
export function adaptive(
  core: PolicyCore,
  options: { minShare?: number; burnIn?: number },
  armCount: number,
): Policy & BestArmStop {
  const minShare = options.minShare ?? 0;
  const burnIn = options.burnIn ?? 0;
  checkFloor(core.name, 'minShare', minShare, armCount);
  const { stats } = core;
  let allUnit = true;

  const choose = (input: ChooseInput): number => {
    const { eligible, pending, rng } = input;
    if (eligible.length === 0) throw new RangeError(`policy '${core.name}': no eligible arm to choose from`);
    if (minShare > 0 && rng.next() < minShare * eligible.length) return eligible[rng.int(eligible.length)]!;
    if (burnIn > 0) {
      const arm = leastTried(eligible, stats.pulls, pending, burnIn, rng);
      if (arm >= 0) return arm;
    }
    return core.pick(input);
  };

  const probabilities = (rng: Random): number[] => {
    const all = Array.from({ length: armCount }, (_, i) => i);
    const base = burnInProbabilities(stats.pulls, burnIn) ?? core.probabilities?.(rng) ??
      monteCarlo(armCount, SNAPSHOT_DRAWS, () => core.pick({ eligible: all, pending: new Float64Array(armCount), rng }));
    const rest = 1 - minShare * armCount;
    return base.map((p) => minShare + rest * p);
  };

  return {
    name: core.name,
    bounded: core.bounded,
    choose,
    update(arm, reward, info) {
      if (!Number.isInteger(arm) || arm < 0 || arm >= armCount) {
        throw new RangeError(`policy '${core.name}': arm ${arm} is not in 0..${armCount - 1}`);
      }
      if (!Number.isFinite(reward)) throw new RangeError(`policy '${core.name}': reward ${reward} is not a finite number`);
      const unit = reward >= 0 && reward <= 1;
      if (core.bounded && !unit) {
        throw new RangeError(`policy '${core.name}': reward ${reward} is outside [0, 1]`);
      }
      allUnit &&= unit;
      core.learn(arm, reward, info);
    },
    snapshot(rng) {
      return {
        counts: Array.from(stats.pulls),
        means: Array.from({ length: armCount }, (_, i) => stats.mean(i)),
        probabilities: probabilities(rng),
        ...core.describe?.(rng),
      };
    },
    shouldStop(delta) {
      return glrStop(stats.n, stats.sum, stats.sumSq, delta, allUnit ? 'bernoulli' : 'gaussian');
    },
  };
}

/** Uniform over the least-tried arms while any arm is short of `burnIn`, else undefined. */
function burnInProbabilities(pulls: Float64Array, burnIn: number): number[] | undefined {
  let fewest = Infinity;
  for (const c of pulls) fewest = Math.min(fewest, c);
  if (!(fewest < burnIn)) return undefined;
  let ties = 0;
  for (const c of pulls) if (c === fewest) ties++;
  return Array.from(pulls, (c) => (c === fewest ? 1 / ties : 0));
}
