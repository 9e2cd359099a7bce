import { describe, expect, it } from 'vitest';
import { simulateVotes } from './vote-sim.js';

describe('early-stopping votes with mock voters of known accuracy', () => {
  it('reach the fixed-40 vote\'s accuracy within 0.5 points with at least 3x fewer calls', () => {
    for (const seed of [1, 2]) {
      const r = simulateVotes({ voters: [0.85, 0.8, 0.75, 0.7, 0.65], spread: 0.2, options: 4, trap: 0.5, questions: 1500, fixedN: 40, stopConfidence: 0.95, seed });
      expect(r.deltaPoints, `seed ${seed}`).toBeGreaterThanOrEqual(-0.5);
      expect(r.savings, `seed ${seed}`).toBeGreaterThanOrEqual(3);
      expect(r.fixedAccuracy).toBeGreaterThan(0.99);
    }
  });

  it('save less where voters are often wrong, and say so', () => {
    const hard = simulateVotes({ voters: [0.55], spread: 0.1, options: 4, trap: 0.7, questions: 400, fixedN: 40, stopConfidence: 0.95, seed: 3 });
    expect(hard.savings).toBeLessThan(3);
    expect(hard.earlyCalls / hard.questions).toBeGreaterThan(15);
  });
});
