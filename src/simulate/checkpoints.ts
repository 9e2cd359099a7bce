/**
 * Times 1 <= t <= horizon spaced evenly on a log scale (`perDecade` per factor of ten, rounded to
 * integers, duplicates dropped), always ending at the horizon. Regret grows like log t, so this spacing
 * draws it as a straight line with the same detail at every scale.
 *
 * @example
 * logCheckpoints(1000, 4); // [1, 2, 3, 6, 10, 18, 32, 56, 100, 178, 316, 562, 1000]
 */
export function logCheckpoints(horizon: number, perDecade = 10): number[] {
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon ${horizon} must be a positive integer`);
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const t = Math.round(10 ** (i / perDecade));
    if (t >= horizon) break;
    if (t !== out[out.length - 1]) out.push(t);
  }
  out.push(horizon);
  return out;
}
