import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { sampleBeta, sampleGamma } from './gamma.js';
import { normal } from './ziggurat.js';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 via erf), accurate to about 1e-7. */
function phi(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

describe('ziggurat normal', () => {
  it('passes a Kolmogorov-Smirnov test against N(0, 1)', () => {
    const rng = createRandom(11);
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, () => normal(rng)).sort();
    let d = 0;
    for (let i = 0; i < n; i++) {
      const f = phi(xs[i]!);
      d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
    }
    // Critical value at the 0.1% level is 1.95 / sqrt(n).
    expect(d).toBeLessThan(1.95 / Math.sqrt(n));
  });

  it('reaches the tails with the right frequency', () => {
    const rng = createRandom(12);
    let beyond = 0;
    const n = 1_000_000;
    for (let i = 0; i < n; i++) if (Math.abs(normal(rng)) > 3.442619855899) beyond++;
    // P(|Z| > R) = 5.76e-4; a 5-sigma band around it.
    expect(Math.abs(beyond / n - 5.76e-4)).toBeLessThan(5 * Math.sqrt(5.76e-4 / n));
  });

  it('is a pure function of the generator', () => {
    const a = createRandom(5);
    const b = createRandom(5);
    expect(Array.from({ length: 5 }, () => normal(a))).toEqual(Array.from({ length: 5 }, () => normal(b)));
  });
});

describe('sampleGamma and sampleBeta', () => {
  it.each([0.3, 1, 2.5, 40, 5000])('Gamma(%s) has mean and variance equal to its shape', (shape) => {
    const rng = createRandom(Math.round(shape * 10));
    const { mean, variance } = moments(() => sampleGamma(rng, shape), 200_000);
    expect(Math.abs(mean - shape) / Math.sqrt(shape / 200_000)).toBeLessThan(5);
    expect(variance / shape).toBeGreaterThan(0.97);
    expect(variance / shape).toBeLessThan(1.03);
  });

  it.each([
    [1, 1],
    [3, 5],
    [0.5, 0.5],
    [400, 600],
  ])('Beta(%s, %s) has the right mean and variance', (a, b) => {
    const rng = createRandom(a * 1000 + b);
    const { mean, variance } = moments(() => sampleBeta(rng, a, b), 200_000);
    const m = a / (a + b);
    const v = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(Math.abs(mean - m) / Math.sqrt(v / 200_000)).toBeLessThan(5);
    expect(variance / v).toBeGreaterThan(0.97);
    expect(variance / v).toBeLessThan(1.03);
  });

  it('stays inside (0, 1)', () => {
    const rng = createRandom(3);
    for (let i = 0; i < 10_000; i++) {
      const x = sampleBeta(rng, 1 + (i % 7), 1 + (i % 11));
      expect(x > 0 && x < 1).toBe(true);
    }
  });
});
