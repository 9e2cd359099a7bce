/**
 * Multiple-comparison adjustment of p-values. Comparing many variants or metrics at once inflates the
 * chance that something looks significant by luck; adjusted p-values can be read against the plain α.
 */

/** Which adjustment to apply. */
export type Adjustment = 'holm' | 'bh' | 'bonferroni' | 'none';

/**
 * Adjust p-values, returned in input order. 'holm' (default) controls the family-wise error rate under
 * any dependence; 'bh' (Benjamini–Hochberg) controls the false discovery rate (valid for independent or
 * positively dependent tests) and is less strict. NaN p-values stay NaN and do not count towards m.
 *
 * @example
 * adjustPValues([0.01, 0.04, 0.03]); // holm: [0.03, 0.06, 0.06]
 * adjustPValues([0.01, 0.04, 0.03], 'bh'); // [0.03, 0.04, 0.04]
 */
export function adjustPValues(pValues: readonly number[], method: Adjustment = 'holm'): number[] {
  const out = pValues.map(() => NaN);
  const idx = pValues.map((_, i) => i).filter((i) => !Number.isNaN(pValues[i]));
  const m = idx.length;
  const p = (i: number): number => pValues[i] as number;
  if (method === 'none') return pValues.slice();
  if (method === 'bonferroni') {
    for (const i of idx) out[i] = Math.min(1, p(i) * m);
    return out;
  }
  if (method === 'holm') {
    idx.sort((a, b) => p(a) - p(b));
    let running = 0;
    idx.forEach((i, rank) => {
      // Step-down: an adjusted p can never be smaller than one of a smaller raw p.
      running = Math.max(running, Math.min(1, (m - rank) * p(i)));
      out[i] = running;
    });
    return out;
  }
  idx.sort((a, b) => p(b) - p(a));
  let running = 1;
  idx.forEach((i, k) => {
    // Step-up from the largest p: rank of this p among m ascending is m − k.
    running = Math.min(running, (m / (m - k)) * p(i));
    out[i] = running;
  });
  return out;
}

/**
 * Holm–Bonferroni adjusted p-values in input order.
 *
 * @example
 * holm([0.01, 0.04, 0.03]); // [0.03, 0.06, 0.06]
 */
export function holm(pValues: readonly number[]): number[] {
  return adjustPValues(pValues, 'holm');
}

/**
 * Benjamini–Hochberg adjusted p-values (q-values) in input order.
 *
 * @example
 * benjaminiHochberg([0.01, 0.04, 0.03]); // [0.03, 0.04, 0.04]
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  return adjustPValues(pValues, 'bh');
}
