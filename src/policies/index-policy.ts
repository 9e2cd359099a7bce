import type { ArmStats } from './arm-stats.js';

/**
 * What an optimistic index policy (UCB1, KL-UCB) sees of each arm, with trials in flight counted as
 * provisional observations at the arm's current mean: they add to the count (shrinking the exploration
 * bonus) but not to the mean. A deterministic index would otherwise send a whole burst of concurrent
 * slots to the same arm; with this, the burst spreads as the sequential policy would have spread it.
 *
 * An arm with trials in flight but no result yet borrows the best observed mean: optimistic, while its
 * growing count still spreads the burst. `count` 0 means never tried: its index is +Infinity.
 *
 * The arrays are scratch space reused on every call, so the hot loop allocates nothing.
 *
 * @example
 * const view = createIndexView(3);
 * const total = view.refresh(stats, pending);
 * view.count[0]; view.mean[0];
 */
export interface IndexView {
  readonly count: Float64Array;
  readonly mean: Float64Array;
  /** Recomputes the view; returns the total count (observations plus in flight). */
  refresh(stats: ArmStats, pending: ArrayLike<number>): number;
}

/** @example createIndexView(10).refresh(stats, pending) */
export function createIndexView(armCount: number): IndexView {
  const count = new Float64Array(armCount);
  const mean = new Float64Array(armCount);
  return {
    count,
    mean,
    refresh(stats, pending) {
      const { n, sum } = stats;
      let bestObserved = -Infinity;
      for (let i = 0; i < armCount; i++) if (n[i]! > 0) bestObserved = Math.max(bestObserved, sum[i]! / n[i]!);
      if (bestObserved === -Infinity) bestObserved = 0;
      let total = 0;
      for (let i = 0; i < armCount; i++) {
        const c = n[i]! + (pending[i] ?? 0);
        count[i] = c;
        mean[i] = n[i]! > 0 ? sum[i]! / n[i]! : bestObserved;
        total += c;
      }
      return total;
    },
  };
}
