/**
 * The 97.5% quantiles every 95% interval of a report needs, computed here instead of loading
 * @stdlib's general quantile functions (hundreds of small modules: the slowest part of a short run's
 * start-up and report). They agree with @stdlib to about 14 significant digits (distributions.test.ts
 * checks every degree of freedom up to 3,000 and a range of larger ones).
 */

/** The standard normal's 0.975 quantile, as @stdlib computes it. */
export const Z975 = 1.9599639845400538;

/**
 * Student t's 0.975 quantile for a positive integer number of degrees of freedom: exact forms for 1
 * and 2; Newton's method on the t distribution's finite series (Abramowitz & Stegun 26.7.3-4) up to
 * SERIES_UP_TO; beyond, Fisher's expansion in 1/df (A&S 26.7.5), exact to the last bit there.
 *
 * @example
 * t975(10); // 2.2281388519649385
 */
export function t975(df: number): number {
  if (df === 1) return Math.tan(Math.PI * 0.475);
  if (df === 2) return 0.95 / Math.sqrt(2 * 0.975 * 0.025);
  let t = fisher(df);
  if (df >= SERIES_UP_TO) return t;
  const logC = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  for (let i = 0; i < 50; i++) {
    const density = Math.exp(logC - ((df + 1) / 2) * Math.log1p((t * t) / df));
    const step = (twoSided(t, df) - 0.95) / (2 * density);
    t -= step;
    if (Math.abs(step) <= 1e-16 * t) break;
  }
  return t;
}

/** Below this the series is more accurate than Fisher's expansion; from it on, the expansion is exact. */
const SERIES_UP_TO = 800;

function fisher(df: number): number {
  const z = Z975;
  const z2 = z * z;
  const z3 = z2 * z;
  const z5 = z3 * z2;
  const z7 = z5 * z2;
  const z9 = z7 * z2;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** P(|T| <= t) for T with `df` (a positive integer) degrees of freedom, t >= 0. */
function twoSided(t: number, df: number): number {
  const theta = Math.atan(t / Math.sqrt(df));
  const sin = Math.sin(theta);
  const cos = Math.cos(theta);
  const c2 = cos * cos;
  let term = 1;
  let sum = 1;
  if (df % 2 === 1) {
    for (let k = 1; 2 * k + 1 <= df - 2; k++) {
      term *= ((2 * k) / (2 * k + 1)) * c2;
      sum += term;
    }
    return (2 / Math.PI) * (theta + sin * cos * sum);
  }
  for (let k = 1; 2 * k <= df - 2; k++) {
    term *= ((2 * k - 1) / (2 * k)) * c2;
    sum += term;
  }
  return sin * sum;
}

const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.61503916999186, 12.507343278686905,
  -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7): only the Newton step's slope uses it. */
function logGamma(x: number): number {
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}
