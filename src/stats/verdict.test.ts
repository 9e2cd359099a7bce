import { describe, expect, it } from 'vitest';
import { adjustComparisons, decideVerdict, exceedsBudget } from './verdict.js';
import type { Adjustable, VerdictInput } from './verdict.js';

const base: VerdictInput = { diff: 0, pValue: 0.5, ci: { low: -0.01, high: 0.01 }, alpha: 0.05, maxRegression: 0.02, higherIsBetter: true };

describe('decideVerdict', () => {
  it('calls significant changes by direction', () => {
    expect(decideVerdict({ ...base, diff: 0.05, pValue: 0.01, ci: { low: 0.02, high: 0.08 } })).toBe('improved');
    expect(decideVerdict({ ...base, diff: -0.05, pValue: 0.01, ci: { low: -0.08, high: -0.02 } })).toBe('regressed');
  });

  it('flips the direction for lower-is-better metrics', () => {
    const latency = { ...base, higherIsBetter: false, maxRegression: 50 };
    expect(decideVerdict({ ...latency, diff: -100, pValue: 0.001, ci: { low: -150, high: -50 } })).toBe('improved');
    expect(decideVerdict({ ...latency, diff: 10, pValue: 0.3, ci: { low: -20, high: 40 } })).toBe('no significant change');
    expect(decideVerdict({ ...latency, diff: 10, pValue: 0.3, ci: { low: -20, high: 60 } })).toBe('inconclusive');
  });

  it('separates "no change" from "cannot tell" by the budget', () => {
    expect(decideVerdict(base)).toBe('no significant change');
    expect(decideVerdict({ ...base, ci: { low: -0.03, high: 0.01 } })).toBe('inconclusive');
    expect(decideVerdict({ ...base, maxRegression: 0 })).toBe('no significant change');
    expect(decideVerdict({ ...base, maxRegression: 0.001 })).toBe('inconclusive');
    expect(decideVerdict({ ...base, pValue: NaN })).toBe('inconclusive');
  });

  it('flags regressions beyond the budget', () => {
    expect(exceedsBudget('regressed', -0.05, 0.02, true)).toBe(true);
    expect(exceedsBudget('regressed', -0.01, 0.02, true)).toBe(false);
    expect(exceedsBudget('improved', 0.05, 0, true)).toBe(false);
    expect(exceedsBudget('regressed', 80, 50, false)).toBe(true);
  });
});

describe('adjustComparisons', () => {
  const make = (diff: number, pValue: number, se: number): Adjustable => ({
    diff,
    pValue,
    alpha: 0.05,
    maxRegression: 0.1,
    higherIsBetter: true,
    interval: { estimate: diff, centre: diff, se, df: Infinity },
    bounds: { low: -Infinity, high: Infinity },
    ci: { low: diff - 1.96 * se, high: diff + 1.96 * se, confidence: 0.95 },
    verdict: 'improved',
    exceedsBudget: false,
  });

  it('adjusts p-values, widens intervals and recomputes verdicts', () => {
    const out = adjustComparisons([make(0.1, 0.03, 0.04), make(0.2, 0.001, 0.05), make(-0.01, 0.8, 0.04)]);
    expect(out.map((r) => r.pValue)).toEqual([0.06, 0.003, 0.8]);
    expect(out.map((r) => r.pValueRaw)).toEqual([0.03, 0.001, 0.8]);
    expect(out[0]?.verdict).toBe('no significant change');
    expect(out[1]?.verdict).toBe('improved');
    expect(out[0]?.ci.confidence).toBeCloseTo(1 - 0.05 / 3, 12);
    expect((out[2]?.ci.high ?? 0) - (out[2]?.ci.low ?? 0)).toBeGreaterThan(2 * 1.96 * 0.04);
    // Widening can turn "no change" into "cannot tell": -0.01 − 2.39·0.04 < −0.1.
    expect(out[2]?.verdict).toBe('inconclusive');
  });

  it('is idempotent: adjusting twice starts from the raw p-values', () => {
    const once = adjustComparisons([make(0.1, 0.03, 0.04), make(0.2, 0.001, 0.05)]);
    expect(adjustComparisons(once)).toEqual(once);
  });
});
