import type { Random } from '../model/random.js';
import { normal } from './ziggurat.js';

/**
 * A Gamma(shape, 1) draw by Marsaglia and Tsang (2000). Hand-written because Thompson sampling draws
 * two of these per arm per step: at 10^6 steps and 10 arms that is 2*10^7 draws, and a general-purpose
 * library's argument checking and allocation would dominate the run time.
 *
 * @example
 * sampleGamma(createRandom(1), 2.5); // a positive float, mean 2.5
 */
export function sampleGamma(rng: Random, shape: number): number {
  if (shape < 1) {
    // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a), since the squeeze below needs shape >= 1.
    return sampleGamma(rng, shape + 1) * Math.pow(rng.next() || Number.MIN_VALUE, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    const x2 = x * x;
    // The squeeze accepts about 98% of draws without a logarithm.
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
 *
 * @example
 * sampleBeta(createRandom(1), 3, 5); // in (0, 1), mean 0.375
 */
export function sampleBeta(rng: Random, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  return x / (x + y);
}
