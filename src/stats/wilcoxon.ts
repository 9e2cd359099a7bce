/**
 * Wilcoxon signed-rank test for paired samples: the rank-based counterpart of the paired t-test.
 */
import { normalCdf } from './distributions.js';
import type { Alternative } from './distributions.js';
import { pairedDifferences } from './paired.js';
import { rankWithTies, tieTerm } from './ranks.js';
import type { TestResult } from './test-result.js';

/** Options for {@link wilcoxonSignedRank}. */
export interface WilcoxonOptions {
  alternative?: Alternative;
  /** Continuity correction in the normal approximation; default false (scipy's default). */
  continuity?: boolean;
  /** 'auto' (default) is exact for ≤ 50 non-zero differences without ties, else the normal approximation. */
  method?: 'auto' | 'exact' | 'asymptotic';
}

/** The signed-rank outcome; `rPlus` is the rank sum of the positive differences. */
export interface WilcoxonResult extends TestResult {
  method: 'exact' | 'asymptotic';
  rPlus: number;
  /** Pairs used after dropping zero differences. */
  nUsed: number;
}

/**
 * Wilcoxon signed-rank test on x − y with scipy's defaults: zero differences are dropped ("wilcox"
 * zero method) before ranking, ties get average ranks and shrink the normal variance. `statistic` is
 * min(R+, R−) two-sided and R+ one-sided, as in scipy. The exact null needs untied ranks, so 'exact'
 * with ties throws. No pairs gives NaN; all differences zero gives statistic 0 and p = 1 (scipy raises).
 *
 * @example
 * wilcoxonSignedRank([1.5, 2.7, 3.1, 4.9, 5.2, 6.8], [1, 2, 3, 4, 5, 6]).pValue; // exact: 2/64 = 0.03125
 */
export function wilcoxonSignedRank(x: ArrayLike<number>, y: ArrayLike<number>, options: WilcoxonOptions = {}): WilcoxonResult {
  const { alternative = 'two-sided', continuity = false, method = 'auto' } = options;
  const all = pairedDifferences(x, y);
  const base = { test: 'wilcoxon-signed-rank', alternative } as const;
  if (all.length === 0) return { ...base, statistic: NaN, pValue: NaN, method: 'asymptotic', rPlus: NaN, nUsed: 0 };
  const d = all.filter((v) => v !== 0);
  const n = d.length;
  if (n === 0) return { ...base, statistic: 0, pValue: 1, method: 'asymptotic', rPlus: 0, nUsed: 0 };
  const { ranks, tieGroups } = rankWithTies(d.map(Math.abs));
  let rPlus = 0;
  for (let i = 0; i < n; i++) if ((d[i] as number) > 0) rPlus += ranks[i] as number;
  const total = (n * (n + 1)) / 2;
  const statistic = alternative === 'two-sided' ? Math.min(rPlus, total - rPlus) : rPlus;
  const exact = method === 'exact' || (method === 'auto' && n <= 50 && tieGroups.length === 0);
  if (exact && tieGroups.length > 0) throw new RangeError('wilcoxonSignedRank: the exact method needs untied differences');
  const pValue = exact
    ? exactP(rPlus, n, alternative)
    : normalP(rPlus, n, tieTerm(tieGroups), continuity, alternative);
  return { ...base, statistic, pValue, method: exact ? 'exact' : 'asymptotic', rPlus, nUsed: n };
}

function normalP(rPlus: number, n: number, ties: number, continuity: boolean, alternative: Alternative): number {
  const mu = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1) - ties / 2) / 24);
  if (sd === 0) return 1;
  let shift = 0;
  if (continuity) shift = alternative === 'two-sided' ? 0.5 * Math.sign(rPlus - mu) : alternative === 'less' ? -0.5 : 0.5;
  const z = (rPlus - mu - shift) / sd;
  if (alternative === 'greater') return 1 - normalCdf(z);
  if (alternative === 'less') return normalCdf(z);
  return Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
}

function exactP(rPlus: number, n: number, alternative: Alternative): number {
  const pmf = signedRankPmf(n);
  let lower = 0;
  let upper = 0;
  for (let k = 0; k < pmf.length; k++) {
    if (k <= rPlus) lower += pmf[k] as number;
    if (k >= rPlus) upper += pmf[k] as number;
  }
  if (alternative === 'greater') return Math.min(1, upper);
  if (alternative === 'less') return Math.min(1, lower);
  return Math.min(1, 2 * Math.min(lower, upper));
}

/**
 * Null distribution of R+ for n untied non-zero differences: each rank is positive with probability ½
 * independently, so the pmf is built one rank at a time by halving and shifting (stable, O(n³)).
 *
 * @example
 * signedRankPmf(2); // Float64Array [0.25, 0.25, 0.25, 0.25]
 */
export function signedRankPmf(n: number): Float64Array {
  let pmf = Float64Array.of(1);
  for (let k = 1; k <= n; k++) {
    const next = new Float64Array(pmf.length + k);
    for (let s = 0; s < pmf.length; s++) {
      const half = (pmf[s] as number) / 2;
      next[s] = (next[s] as number) + half;
      next[s + k] = (next[s + k] as number) + half;
    }
    pmf = next;
  }
  return pmf;
}
