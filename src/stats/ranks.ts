/**
 * Average ranks with tie bookkeeping, shared by the rank tests (Mann-Whitney, Wilcoxon).
 */

/** Ranks (1-based, ties get the mean of their positions) and the sizes of the tie groups. */
export interface Ranking {
  ranks: Float64Array;
  /** Size of every group of equal values with more than one member. */
  tieGroups: number[];
}

/**
 * Rank values the way scipy.stats.rankdata does by default ('average').
 *
 * @example
 * rankWithTies([10, 20, 20, 5]); // ranks [2, 3.5, 3.5, 1], tieGroups [2]
 */
export function rankWithTies(values: ArrayLike<number>): Ranking {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Float64Array(n);
  const tieGroups: number[] = [];
  let i = 0;
  while (i < n) {
    let j = i;
    const v = values[order[i] as number] as number;
    while (j + 1 < n && values[order[j + 1] as number] === v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k] as number] = rank;
    if (j > i) tieGroups.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, tieGroups };
}

/**
 * Σ (t³ − t) over tie groups: the amount the rank-sum variance shrinks because of ties.
 *
 * @example
 * tieTerm([2, 3]); // 6 + 24 = 30
 */
export function tieTerm(tieGroups: readonly number[]): number {
  let s = 0;
  for (const t of tieGroups) s += t * t * t - t;
  return s;
}
