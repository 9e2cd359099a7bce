/**
 * The A/A peeking experiment: why the product monitors runs with confidence sequences and not with a
 * repeated fixed-sample test. Two identical arms are compared after every batch of trials; the naive
 * analyst stops at the first "significant" z-test, the careful one at the first look where the
 * confidence sequence excludes zero. Both should be wrong at most α of the time; only one is.
 */
import { createRandom } from '../model/random.js';
import { differenceConfidenceSequence, excludedAt } from './confidence-sequence.js';
import type { ConfidenceSequenceOptions } from './confidence-sequence.js';
import { normalQuantile } from './distributions.js';
import { twoProportionZTest } from './two-sample.js';

/** Inputs of {@link aaPeekingExperiment}. */
export interface AaPeekingOptions {
  /** Number of interim looks, default 30. */
  looks?: number;
  /** Trials per arm added between looks, default 1000. */
  perLook?: number;
  /** Simulated experiments, default 200. */
  reps?: number;
  seed?: number;
  /** True pass rate of both arms, default 0.5. */
  rate?: number;
  alpha?: number;
  /** Passed to the confidence sequence (e.g. plannedN). */
  sequence?: Omit<ConfidenceSequenceOptions, 'alpha'>;
}

/** What the experiment measured. */
export interface AaPeekingResult {
  looks: number;
  perLook: number;
  reps: number;
  /** Share of runs where some look's z-test had p < α: the naive false-positive rate. */
  naiveFalsePositiveRate: number;
  /** Share of runs where the confidence sequence excluded 0 by the last look. */
  sequenceFalsePositiveRate: number;
  /** Mean over runs of (CS width / fixed 1 − α Wald interval width) at the last look. */
  widthRatio: number;
}

/**
 * Simulate A/A tests with repeated looks and report both false-positive rates and the price of
 * validity (the width ratio). Deterministic for a seed.
 *
 * @example
 * aaPeekingExperiment({ looks: 30, perLook: 1000, reps: 200, seed: 1 });
 * // { naiveFalsePositiveRate: 0.295, sequenceFalsePositiveRate: 0.025, widthRatio: ≈ 2.49, ... }
 */
export function aaPeekingExperiment(options: AaPeekingOptions = {}): AaPeekingResult {
  const { looks = 30, perLook = 1000, reps = 200, seed = 1, rate = 0.5, alpha = 0.05, sequence = {} } = options;
  const csOptions = { ...sequence, alpha };
  const total = looks * perLook;
  const lookEnds = Array.from({ length: looks }, (_, k) => (k + 1) * perLook);
  const zCrit = normalQuantile(1 - alpha / 2);
  let naiveHits = 0;
  let sequenceHits = 0;
  let ratioSum = 0;
  const x = new Float64Array(total);
  const y = new Float64Array(total);
  const z = new Float64Array(total);
  const root = createRandom(seed);
  for (let r = 0; r < reps; r++) {
    const rng = root.fork(r);
    for (let i = 0; i < total; i++) {
      x[i] = rng.next() < rate ? 1 : 0;
      y[i] = rng.next() < rate ? 1 : 0;
      z[i] = ((x[i] as number) - (y[i] as number) + 1) / 2;
    }
    if (naiveRejectsAtSomeLook(x, y, lookEnds, alpha)) naiveHits++;
    const excluded = excludedAt(z, 0.5, [total], csOptions);
    if (excluded[0]) sequenceHits++;
    const cs = differenceConfidenceSequence(x, y, { ...csOptions, tolerance: 1e-6 });
    ratioSum += (cs.high - cs.low) / fixedWidth(x, y, zCrit);
  }
  return {
    looks,
    perLook,
    reps,
    naiveFalsePositiveRate: naiveHits / reps,
    sequenceFalsePositiveRate: sequenceHits / reps,
    widthRatio: ratioSum / reps,
  };
}

function naiveRejectsAtSomeLook(x: Float64Array, y: Float64Array, lookEnds: readonly number[], alpha: number): boolean {
  let sx = 0;
  let sy = 0;
  let i = 0;
  for (const end of lookEnds) {
    for (; i < end; i++) {
      sx += x[i] as number;
      sy += y[i] as number;
    }
    if (twoProportionZTest(sx, end, sy, end).pValue < alpha) return true;
  }
  return false;
}

function fixedWidth(x: Float64Array, y: Float64Array, zCrit: number): number {
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    sx += x[i] as number;
    sy += y[i] as number;
  }
  const n = x.length;
  const px = sx / n;
  const py = sy / n;
  return 2 * zCrit * Math.sqrt((px * (1 - px) + py * (1 - py)) / n);
}
