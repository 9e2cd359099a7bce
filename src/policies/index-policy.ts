import type { ArmStats } from './arm-stats.js';

/**
 * What an optimistic index policy (UCB1, KL-UCB) sees of each arm, with trials in flight counted as
 * provisional observations. A deterministic index would otherwise send a whole burst of concurrent
 * slots to one arm. Each provisional observation adds to the arm's count, which shrinks its
 * exploration bonus, and is valued at the arm's posterior mean under a uniform prior,
 * (successes + 1) / (n + 2), for rewards in [0, 1]: equal to the empirical mean once there is data,
 * but it pulls an estimate from a lucky few trials (2 of 2 is 1.0, where KL-UCB's bound stops
 * shrinking) toward 1/2, so a lucky arm cannot absorb the burst. For unbounded rewards the value is
 * the empirical mean (the best observed one for an arm with no result yet).
 *
 * `count` 0 means never tried, not even in flight: its index is +Infinity.
 *
 * The arrays are scratch space reused on every call, so the hot loop allocates nothing.
 *
 * @example
 * const view = createIndexView(3);
 * const total = view.refresh(stats, pending, true);
 * view.count[0]; view.mean[0];
 */
export interface IndexView {
  readonly count: Float64Array;
  readonly mean: Float64Array;
  /** Recomputes the view; returns the total count (observations plus in flight). */
  refresh(stats: ArmStats, pending: ArrayLike<number>, unit: boolean): number;
}

/** @example createIndexView(10).refresh(stats, pending, true) */
export function createIndexView(armCount: number): IndexView {
  const count = new Float64Array(armCount);
  const mean = new Float64Array(armCount);
  return {
    count,
    mean,
    refresh(stats, pending, unit) {
      const { n, sum } = stats;
      let bestObserved = -Infinity;
      if (!unit) for (let i = 0; i < armCount; i++) if (n[i]! > 0) bestObserved = Math.max(bestObserved, sum[i]! / n[i]!);
      if (bestObserved === -Infinity) bestObserved = 0;
      let total = 0;
      for (let i = 0; i < armCount; i++) {
        const p = pending[i] ?? 0;
        const c = n[i]! + p;
        count[i] = c;
        total += c;
        if (p === 0) {
          mean[i] = c > 0 ? sum[i]! / c : 0;
        } else {
          const provisional = unit ? (sum[i]! + 1) / (n[i]! + 2) : n[i]! > 0 ? sum[i]! / n[i]! : bestObserved;
          mean[i] = (sum[i]! + p * provisional) / c;
        }
      }
      return total;
    },
  };
}
