import { beforeAll, describe, expect, it } from 'vitest';
import { aaPeekingExperiment } from './aa-peeking.js';
import type { AaPeekingResult } from './aa-peeking.js';

describe('aaPeekingExperiment', () => {
  // The reference: 30 looks at 1000 trials per arm each; a naive z-test "finds" a difference
  // in ~29% of A/A runs, an anytime-valid sequence in under 5%.
  let result: AaPeekingResult;
  beforeAll(() => {
    result = aaPeekingExperiment({ looks: 30, perLook: 1000, reps: 200, seed: 1 });
  });

  it('shows the naive peeking z-test far above α', () => {
    expect(result.naiveFalsePositiveRate).toBeGreaterThan(0.2);
    expect(result.naiveFalsePositiveRate).toBeLessThan(0.4);
  });

  it('keeps the confidence sequence at or below α', () => {
    expect(result.sequenceFalsePositiveRate).toBeLessThanOrEqual(0.05);
  });

  it('pays for validity with a wider, but not absurdly wide, interval', () => {
    expect(result.widthRatio).toBeGreaterThan(1);
    expect(result.widthRatio).toBeLessThan(3);
  });

  it('is deterministic for a seed', () => {
    const a = aaPeekingExperiment({ looks: 5, perLook: 200, reps: 20, seed: 9 });
    const b = aaPeekingExperiment({ looks: 5, perLook: 200, reps: 20, seed: 9 });
    expect(a).toEqual(b);
  });
});
