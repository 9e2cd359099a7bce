/**
 * Sample size planning: how many trials each variant needs so that a real difference of a given size
 * is detected with the asked power by a two-sided test at level α.
 */
import { normalCdf, normalQuantile, tQuantile } from './distributions.js';

/** Shared planning inputs. */
export interface PowerOptions {
  /** Two-sided significance level, default 0.05. */
  alpha?: number;
  /** Probability of detecting the difference if it is real, default 0.8. */
  power?: number;
}

function check(alpha: number, power: number): void {
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) throw new RangeError('alpha and power must be in (0, 1)');
}

/**
 * Trials per variant to tell pass rates p1 and p2 apart with the two-proportion z-test (normal
 * approximation with the pooled variance under the null, Fleiss et al. without continuity correction).
 * Equal rates need infinitely many trials and return Infinity.
 *
 * @example
 * sampleSizeProportions({ p1: 0.6, p2: 0.7 }); // 356 per variant
 */
export function sampleSizeProportions(input: { p1: number; p2: number } & PowerOptions): number {
  const { p1, p2, alpha = 0.05, power = 0.8 } = input;
  check(alpha, power);
  if (!(p1 >= 0 && p1 <= 1 && p2 >= 0 && p2 <= 1)) throw new RangeError('rates must be in [0, 1]');
  const delta = Math.abs(p1 - p2);
  if (delta === 0) return Infinity;
  const pBar = (p1 + p2) / 2;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const root = za * Math.sqrt(2 * pBar * (1 - pBar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((root * root) / (delta * delta));
}

/**
 * Trials per variant to detect a difference in means with a two-sample t-test given a common SD: the
 * smallest n whose power reaches the target, with power from the Johnson–Welch normal approximation
 * to the noncentral t (stdlib has no noncentral t). Checked against scipy's exact noncentral t: equal
 * or one trial more, never fewer. The search starts from the normal-theory n, a lower bound.
 *
 * @example
 * sampleSizeMeans({ difference: 0.5, sd: 1 }); // 65 per variant (exact: 64)
 */
export function sampleSizeMeans(input: { difference: number; sd: number } & PowerOptions): number {
  const { difference, sd, alpha = 0.05, power = 0.8 } = input;
  check(alpha, power);
  if (!(sd >= 0)) throw new RangeError('sd must be ≥ 0');
  const delta = Math.abs(difference);
  if (delta === 0) return Infinity;
  if (sd === 0) return 2;
  const zq = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  let n = Math.max(2, Math.ceil((2 * sd * sd * zq * zq) / (delta * delta)));
  while (tTestPower(n, delta / sd, alpha) < power) n++;
  return n;
}

/** Approximate two-sided power of the equal-n two-sample t-test for a standardised effect. */
function tTestPower(n: number, effect: number, alpha: number): number {
  const df = 2 * n - 2;
  const nc = effect * Math.sqrt(n / 2) * (1 - 1 / (4 * df));
  const q = tQuantile(1 - alpha / 2, df);
  const scale = Math.sqrt(1 + (q * q) / (2 * df));
  return normalCdf((nc - q) / scale) + normalCdf((-nc - q) / scale);
}
