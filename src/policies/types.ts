import type { Random } from '../model/random.js';

/**
 * What a policy is built for. Arms are the indices 0..armCount-1.
 *
 * @example
 * const policy = thompson()({ armCount: 3, rng: createRandom(7).fork('policy') });
 */
export interface PolicyContext {
  armCount: number;
  /**
   * Randomness used by `update` (Thompson turns a fractional reward r into a Bernoulli(r) outcome).
   * Optional: without it a policy uses a fixed seed, so it stays deterministic either way. Pass a fork
   * of the run's generator so resume, which replays finished trials in order, rebuilds the same state.
   */
  rng?: Random;
}

/**
 * One decision. `pending[i]` counts trials of arm i dispatched but not yet finished (delayed feedback).
 *
 * @example
 * policy.choose({ eligible: [0, 2], pending: [0, 0, 4], rng });
 */
export interface ChooseInput {
  /** Arms allowed now (the caller excludes quarantined ones). Never empty. */
  eligible: readonly number[];
  pending: ArrayLike<number>;
  rng: Random;
}

/**
 * Extra facts about a finished trial, read by policies that weigh more than the reward (`weighted`).
 *
 * @example
 * policy.update(2, 0.8, { success: true, latencyMs: 1200, cost: 0.003 });
 */
export interface UpdateInfo {
  success?: boolean;
  latencyMs?: number;
  cost?: number;
}

/**
 * A picture of a policy's state for recording and plotting. `probabilities` is the chance each arm is
 * chosen next with every arm eligible and nothing pending (Monte Carlo for randomised policies).
 *
 * @example
 * const { counts, means, probabilities } = policy.snapshot(rng.fork('snapshot'));
 */
export interface PolicySnapshot {
  counts: number[];
  means: number[];
  probabilities?: number[];
  weights?: number[];
  probBest?: number[];
}

/**
 * Chooses the next arm and learns from rewards. `choose` never changes the policy's state, so calling
 * it for a snapshot or a dry run is safe; only `update` does.
 *
 * @example
 * const arm = policy.choose({ eligible: [0, 1, 2], pending: [0, 0, 0], rng });
 * policy.update(arm, 1);
 */
export interface Policy {
  readonly name: string;
  /** True when rewards must lie in [0, 1]; `update` throws a RangeError otherwise. */
  readonly bounded?: boolean;
  /** Returns an arm index from `eligible`. */
  choose(input: ChooseInput): number;
  update(arm: number, reward: number, info?: UpdateInfo): void;
  snapshot(rng: Random): PolicySnapshot;
}

/**
 * A stopping rule for best-arm identification: stop once `best` is the best arm with confidence 1 - delta.
 *
 * @example
 * const { stop, best } = policy.shouldStop(0.05);
 */
export interface BestArmStop {
  shouldStop(delta: number): { stop: boolean; best: number; statistic: number; threshold: number };
}

/**
 * Builds a policy for a given number of arms; what `thompson({ discount: 0.99 })` returns.
 *
 * @example
 * const factory: PolicyFactory = ucb1();
 * const policy = factory({ armCount: 4 });
 */
export type PolicyFactory = (ctx: PolicyContext) => Policy & Partial<BestArmStop>;
