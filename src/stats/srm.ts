/**
 * Sample-ratio mismatch: when a run meant to split trials 50/50 (or by set weights) ends up with a
 * different split, something upstream is dropping or duplicating trials and every comparison built on
 * that run is suspect.
 */
import { chiSquareSf } from './distributions.js';

/** The SRM check outcome. */
export interface SampleRatioCheck {
  /** Pearson chi-square statistic. */
  statistic: number;
  df: number;
  pValue: number;
  /** pValue < threshold. */
  mismatch: boolean;
  expected: number[];
}

/**
 * Chi-square goodness-of-fit of observed counts against expected shares (equal shares by default;
 * shares are normalised, so weights work). The default threshold is 0.001 rather than 0.05 because the
 * check runs on every report and a false alarm discredits a healthy run. No trials at all: p = 1.
 *
 * @example
 * sampleRatioMismatch([5000, 5200]).pValue; // ≈ 0.048, no mismatch at 0.001
 * sampleRatioMismatch([5000, 5600]).mismatch; // true
 */
export function sampleRatioMismatch(
  counts: readonly number[],
  expectedShares?: readonly number[],
  threshold = 0.001,
): SampleRatioCheck {
  const k = counts.length;
  if (k < 2) throw new RangeError('sampleRatioMismatch needs at least two groups');
  const shares = expectedShares ?? counts.map(() => 1);
  if (shares.length !== k) throw new RangeError(`expected ${k} shares, got ${shares.length}`);
  if (shares.some((s) => !(s > 0))) throw new RangeError('expected shares must be positive');
  const total = counts.reduce((a, b) => a + b, 0);
  const shareSum = shares.reduce((a, b) => a + b, 0);
  const expected = shares.map((s) => (total * s) / shareSum);
  if (total === 0) return { statistic: 0, df: k - 1, pValue: 1, mismatch: false, expected };
  let statistic = 0;
  counts.forEach((c, i) => {
    const e = expected[i] as number;
    statistic += ((c - e) * (c - e)) / e;
  });
  const pValue = chiSquareSf(statistic, k - 1);
  return { statistic, df: k - 1, pValue, mismatch: pValue < threshold, expected };
}
