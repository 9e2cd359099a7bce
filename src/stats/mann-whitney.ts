/**
 * Mann-Whitney U test (Wilcoxon rank-sum) for two independent samples: a difference-in-location test
 * that needs no normality, useful for skewed metrics such as latency and cost.
 */
import { normalCdf } from './distributions.js';
import type { Alternative } from './distributions.js';
import { rankWithTies, tieTerm } from './ranks.js';
import type { TestResult } from './test-result.js';

/** Options for {@link mannWhitneyU}. */
export interface MannWhitneyOptions {
  alternative?: Alternative;
  /** Subtract 0.5 from |U − mean| in the normal approximation; default true (scipy's default). */
  continuity?: boolean;
  /** 'auto' (default) is exact when there are no ties and n1·n2 ≤ 1000, else the normal approximation. */
  method?: 'auto' | 'exact' | 'asymptotic';
}

/** The U test outcome; `statistic` is U for x (pairs with x > y, ties counting ½), as in scipy. */
export interface MannWhitneyResult extends TestResult {
  method: 'exact' | 'asymptotic';
  /** U / (n1·n2): the probability that a random x beats a random y (ties count half). */
  probabilityOfSuperiority: number;
}

const EXACT_MAX_PAIRS = 1000;

/**
 * Mann-Whitney U with scipy's conventions: the normal approximation uses the tie-corrected variance
 * and the continuity correction; two-sided p doubles the upper tail of max(U1, U2). The exact null
 * distribution is only valid without ties, so requesting 'exact' with ties throws. Empty samples
 * give NaN; all values equal gives p = 1.
 *
 * @example
 * mannWhitneyU([1.2, 3.4, 2.2, 5.0], [0.4, 0.9, 1.1]).pValue; // exact: ≈ 0.057
 */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>, options: MannWhitneyOptions = {}): MannWhitneyResult {
  const { alternative = 'two-sided', continuity = true, method = 'auto' } = options;
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) {
    return { test: 'mann-whitney-u', alternative, statistic: NaN, pValue: NaN, method: 'asymptotic', probabilityOfSuperiority: NaN };
  }
  const all = new Float64Array(n1 + n2);
  all.set(Array.from(x), 0);
  all.set(Array.from(y), n1);
  const { ranks, tieGroups } = rankWithTies(all);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i] as number;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const exact = method === 'exact' || (method === 'auto' && tieGroups.length === 0 && n1 * n2 <= EXACT_MAX_PAIRS);
  if (exact && tieGroups.length > 0) throw new RangeError('mannWhitneyU: the exact method needs samples without ties');

  const u = alternative === 'greater' ? u1 : alternative === 'less' ? u2 : Math.max(u1, u2);
  const factor = alternative === 'two-sided' ? 2 : 1;
  const upperTail = exact ? exactUpperTail(u, n1, n2) : normalUpperTail(u, n1, n2, tieTerm(tieGroups), continuity);
  return {
    test: 'mann-whitney-u',
    alternative,
    statistic: u1,
    pValue: Math.min(1, factor * upperTail),
    method: exact ? 'exact' : 'asymptotic',
    probabilityOfSuperiority: u1 / (n1 * n2),
  };
}

function normalUpperTail(u: number, n1: number, n2: number, ties: number, continuity: boolean): number {
  const n = n1 + n2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1))));
  if (sd === 0) return 1;
  const z = (u - (n1 * n2) / 2 - (continuity ? 0.5 : 0)) / sd;
  return 1 - normalCdf(z);
}

/** P(U ≥ u) under the null, from the exact distribution. */
function exactUpperTail(u: number, n1: number, n2: number): number {
  const pmf = mannWhitneyPmf(n1, n2);
  let tail = 0;
  for (let k = Math.ceil(u); k < pmf.length; k++) tail += pmf[k] as number;
  return tail;
}

/**
 * Null distribution of U for sample sizes (m, n), as probabilities over u = 0..m·n. It conditions on
 * whether the largest of the m + n values belongs to x (then it beats all n values of y) or to y, so
 * every step adds positive probabilities and stays accurate in floating point. Cost O((m·n)²).
 *
 * @example
 * mannWhitneyPmf(1, 2); // Float64Array [1/3, 1/3, 1/3]
 */
export function mannWhitneyPmf(m: number, n: number): Float64Array {
  // prev[j] holds the pmf for sizes (i − 1, j); cur[j] for (i, j).
  let prev: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const out = new Float64Array(i * j + 1);
      const fromX = prev[j] as Float64Array;
      const fromY = cur[j - 1] as Float64Array;
      const px = i / (i + j);
      for (let k = 0; k < fromX.length; k++) out[k + j] = (out[k + j] as number) + px * (fromX[k] as number);
      for (let k = 0; k < fromY.length; k++) out[k] = (out[k] as number) + (1 - px) * (fromY[k] as number);
      cur.push(out);
    }
    prev = cur;
  }
  return prev[n] as Float64Array;
}
