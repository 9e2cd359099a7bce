import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { compareSamples } from './compare.js';
import type { Observation } from './compare.js';
import { mcnemarExact, pairedTTest } from './paired.js';
import { welchTTest } from './two-sample.js';
import { adjustComparisons } from './verdict.js';

function obs(values: readonly number[], prefix = 't'): Observation[] {
  return values.map((value, i) => ({ taskId: `${prefix}${i}`, value }));
}

describe('compareSamples', () => {
  it('pairs by task id when both sides ran the same tasks', () => {
    const base = [0.5, 0.6, 0.7, 0.4, 0.8, 0.55];
    const cand = base.map((v, i) => v + 0.05 + (i % 2 ? 0.01 : -0.01));
    const r = compareSamples({ base: obs(base), cand: obs(cand).reverse(), metric: 'score' });
    expect(r.paired).toBe(true);
    expect(r.test).toBe('paired-t');
    expect(r.pValue).toBeCloseTo(pairedTTest(cand, base).pValue, 12);
    expect(r.diff).toBeCloseTo(0.05, 12);
    expect(r.verdict).toBe('improved');
    expect(r.ci95.low).toBeGreaterThan(0);
  });

  it('averages repeated trials of a task before pairing', () => {
    const base: Observation[] = [
      { taskId: 'a', value: 1 }, { taskId: 'a', value: 0 }, { taskId: 'b', value: 1 }, { taskId: 'c', value: 0 },
    ];
    const cand: Observation[] = [{ taskId: 'a', value: 1 }, { taskId: 'b', value: 1 }, { taskId: 'c', value: 1 }];
    const r = compareSamples({ base, cand });
    expect(r.test).toBe('paired-t');
    expect(r.base).toMatchObject({ n: 3, mean: 0.5 });
  });

  it('uses McNemar for paired pass/fail and the z-test for unpaired pass/fail', () => {
    const base = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0];
    const cand = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1];
    const paired = compareSamples({ base: obs(base), cand: obs(cand) });
    expect(paired.test).toBe('mcnemar-exact');
    expect(paired.pValue).toBe(mcnemarExact(cand, base).pValue);
    const unpaired = compareSamples({ base: obs(base, 'b'), cand: obs(cand, 'c') });
    expect(unpaired.paired).toBe(false);
    expect(unpaired.test).toBe('two-proportion-z');
    expect(unpaired.ci95.high).toBeLessThanOrEqual(1);
  });

  it('uses Welch for unpaired continuous metrics and can be told not to pair', () => {
    const base = [120, 340, 220, 180, 400, 260];
    const cand = [110, 300, 200, 150, 380, 250];
    const r = compareSamples({ base: obs(base), cand: obs(cand), paired: false, higherIsBetter: false, maxRegression: 20 });
    expect(r.test).toBe('welch-t');
    expect(r.pValue).toBeCloseTo(welchTTest(cand, base).pValue, 12);
    expect(['no significant change', 'inconclusive']).toContain(r.verdict);
  });

  it('calls a large regression and flags it beyond budget', () => {
    const rng = createRandom(2);
    const base = Array.from({ length: 200 }, () => (rng.next() < 0.8 ? 1 : 0));
    const cand = Array.from({ length: 200 }, () => (rng.next() < 0.6 ? 1 : 0));
    const r = compareSamples({ base: obs(base, 'b'), cand: obs(cand, 'c'), maxRegression: 0.05 });
    expect(r.verdict).toBe('regressed');
    expect(r.exceedsBudget).toBe(true);
  });

  it('says inconclusive when there is too little data', () => {
    expect(compareSamples({ base: obs([0.5]), cand: obs([0.7], 'c') }).verdict).toBe('inconclusive');
    expect(compareSamples({ base: [], cand: [] }).verdict).toBe('inconclusive');
    const allPass = compareSamples({ base: obs([1, 1, 1]), cand: obs([1, 1, 1]), maxRegression: 0.05 });
    expect(allPass.pValue).toBe(1);
    expect(allPass.verdict).toBe('inconclusive');
  });

  it('feeds adjustComparisons', () => {
    const rng = createRandom(3);
    const metric = (shift: number): Observation[] => obs(Array.from({ length: 50 }, () => 0.5 + shift + 0.1 * rng.normal()));
    const family = [0, 0.02, 0.1].map((shift) => compareSamples({ base: metric(0), cand: metric(shift), maxRegression: 0.1 }));
    const adjusted = adjustComparisons(family);
    adjusted.forEach((r, i) => {
      expect(r.pValue).toBeGreaterThanOrEqual(family[i]?.pValue ?? 1);
      expect(r.ci.high - r.ci.low).toBeGreaterThan((family[i]?.ci.high ?? 0) - (family[i]?.ci.low ?? 0));
    });
    expect(adjusted[2]?.verdict).toBe('improved');
  });
});
