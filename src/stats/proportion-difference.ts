/**
 * Intervals for a difference of two proportions. Newcombe's is the reference choice; the two adjusted
 * Wald forms are "centre ± z·se", which lets the compare logic re-derive them at any confidence level
 * (for example a Bonferroni level after multiple-comparison correction) from three stored numbers.
 */
import { tQuantile } from './distributions.js';
import { wilsonInterval } from './intervals.js';
import type { Estimate } from './test-result.js';

/**
 * Newcombe's hybrid score interval (his method 10) for p̂x − p̂y, built from the two Wilson intervals.
 * n = 0 on either side gives NaN.
 *
 * @example
 * newcombeDifference(45, 100, 30, 100); // { estimate: 0.15, low: 0.016, high: 0.276 }
 */
export function newcombeDifference(sx: number, nx: number, sy: number, ny: number, confidence = 0.95): Estimate {
  if (nx === 0 || ny === 0) return { estimate: NaN, low: NaN, high: NaN };
  const a = wilsonInterval(sx, nx, confidence);
  const b = wilsonInterval(sy, ny, confidence);
  const d = a.estimate - b.estimate;
  return {
    estimate: d,
    low: d - Math.hypot(a.estimate - a.low, b.high - b.estimate),
    high: d + Math.hypot(a.high - a.estimate, b.estimate - b.low),
  };
}

/** An interval of the form centre ± q·se, with q from a normal (df = Infinity) or t distribution. */
export interface WaldForm {
  /** The observed difference (what is reported). */
  estimate: number;
  /** The interval's centre (differs from the estimate for adjusted Wald intervals). */
  centre: number;
  se: number;
  df: number;
}

/**
 * Agresti–Caffo interval for p̂x − p̂y: add one success and one failure to each group, then Wald.
 * Its coverage is close to nominal even for small n and rates of 0% or 100%.
 *
 * @example
 * agrestiCaffoDifference(10, 10, 10, 10); // se > 0 although both groups are 100%
 */
export function agrestiCaffoDifference(sx: number, nx: number, sy: number, ny: number): WaldForm {
  const px = (sx + 1) / (nx + 2);
  const py = (sy + 1) / (ny + 2);
  return {
    estimate: nx > 0 && ny > 0 ? sx / nx - sy / ny : NaN,
    centre: px - py,
    se: Math.sqrt((px * (1 - px)) / (nx + 2) + (py * (1 - py)) / (ny + 2)),
    df: Infinity,
  };
}

/**
 * Bonett–Price (2012) adjusted Wald interval for a paired difference of proportions, from the counts
 * of discordant pairs: `xOnly` pairs where only x succeeded, `yOnly` where only y did, out of n pairs.
 *
 * @example
 * bonettPriceDifference(3, 9, 40); // centre ≈ -0.143
 */
export function bonettPriceDifference(xOnly: number, yOnly: number, n: number): WaldForm {
  const p12 = (xOnly + 1) / (n + 2);
  const p21 = (yOnly + 1) / (n + 2);
  const centre = p12 - p21;
  return {
    estimate: n > 0 ? (xOnly - yOnly) / n : NaN,
    centre,
    se: Math.sqrt(Math.max(0, p12 + p21 - centre * centre) / (n + 2)),
    df: Infinity,
  };
}

/**
 * Two-sided interval from a Wald form at the given confidence, clipped to [lower, upper].
 *
 * @example
 * waldInterval({ estimate: 0, centre: 0, se: 0.1, df: Infinity }, 0.95); // { estimate: 0, low: -0.196, high: 0.196 }
 */
export function waldInterval(form: WaldForm, confidence = 0.95, lower = -Infinity, upper = Infinity): Estimate {
  // tQuantile falls back to the normal for df = Infinity.
  // Zero spread is a point interval whatever the df (which is then often 0/0).
  const half = form.se === 0 ? 0 : tQuantile(1 - (1 - confidence) / 2, form.df) * form.se;
  return {
    estimate: form.estimate,
    low: Math.max(lower, form.centre - half),
    high: Math.min(upper, form.centre + half),
  };
}

