import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { excludedAt } from './confidence-sequence.js';
import { bettingUpdate, createBettingTest } from './betting-test.js';

describe('streaming betting test', () => {
  it('rejects as soon as the batch confidence sequence excludes m (same capital, computed in one pass)', () => {
    const rng = createRandom(3);
    const xs = Array.from({ length: 400 }, () => (rng.next() < 0.62 ? 1 : 0));
    const test = createBettingTest(0.5, { alpha: 0.05 });
    let first = -1;
    xs.forEach((x, i) => {
      bettingUpdate(test, x);
      if (first < 0 && test.verdict) first = i + 1;
    });
    expect(test.verdict).toBe('above');
    const looks = Array.from({ length: 400 }, (_, i) => i + 1);
    const batch = excludedAt(xs, 0.5, looks, { alpha: 0.05 });
    expect(batch.indexOf(true) + 1).toBe(first);
  });

  it('keeps the false-alarm rate under alpha when looked at after every observation (200 seeded streams of 2,000)', () => {
    let alarms = 0;
    for (let seed = 0; seed < 200; seed++) {
      const rng = createRandom(seed);
      const test = createBettingTest(0.5, { alpha: 0.05 });
      for (let i = 0; i < 2000 && !test.verdict; i++) bettingUpdate(test, rng.next());
      if (test.verdict) alarms++;
    }
    expect(alarms).toBeLessThanOrEqual(10);
  });

  it('finds a mean below m and refuses values outside [0, 1]', () => {
    const rng = createRandom(9);
    const test = createBettingTest(0.5, { alpha: 0.05, plannedN: 200 });
    for (let i = 0; i < 300 && !test.verdict; i++) bettingUpdate(test, rng.next() * 0.8);
    expect(test.verdict).toBe('below');
    expect(() => bettingUpdate(test, 1.2)).toThrow(RangeError);
    expect(() => createBettingTest(1)).toThrow(RangeError);
  });
});
