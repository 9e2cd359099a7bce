import { describe, expect, it } from 'vitest';
import type { RunData, TrialRecord } from '../store/records.js';
import { compareRuns } from './compare-runs.js';
import { syntheticRun } from './synthetic.js';
import type { SyntheticRunOptions } from './synthetic.js';

const run = (o: Partial<SyntheticRunOptions> & Pick<SyntheticRunOptions, 'variants'>) => syntheticRun({ id: 'r', seed: 1, tasks: 300, ...o });

/** A copy of a run with each trial rewritten (same tasks, so pairing is kept). */
function mapTrials(data: RunData, f: (t: TrialRecord) => TrialRecord, id = 'cand'): RunData {
  const trials = [...data.trials()].map(f);
  return { ...data, run: { ...data.run, id }, trials: () => trials };
}

describe('compareRuns: pairing', () => {
  it('pairs by task when a variant ran the same tasks in both runs, and not otherwise', () => {
    const base = run({ id: 'base', variants: [{ id: 'a', quality: 0.7 }] });
    const sameTasks = run({ id: 'cand', seed: 2, variants: [{ id: 'a', quality: 0.7 }] });
    const otherTasks = run({ id: 'cand', seed: 2, taskPrefix: 'u', variants: [{ id: 'a', quality: 0.7 }] });
    const paired = compareRuns(base, sameTasks, { metrics: ['passRate', 'score'] });
    expect(paired.comparisons.map((c) => [c.test, c.paired])).toEqual([['mcnemar-exact', true], ['mcnemar-exact', true]]);
    expect(paired.warnings).toEqual([]);
    const unpaired = compareRuns(base, otherTasks, { metrics: ['passRate'] });
    expect(unpaired.comparisons[0]).toMatchObject({ test: 'two-proportion-z', paired: false, nBase: 300, nCand: 300 });
    expect(unpaired.warnings).toEqual([]);
  });

  it('averages repeats per task when paired (n counts tasks) and uses t-tests on graded scores', () => {
    const base = run({ id: 'base', tasks: 40, repeats: 3, scores: 'graded', variants: [{ id: 'a', quality: 0.6 }] });
    const cand = run({ id: 'cand', seed: 9, tasks: 40, repeats: 3, scores: 'graded', variants: [{ id: 'a', quality: 0.6 }] });
    const c = compareRuns(base, cand).comparisons[0];
    expect(c).toMatchObject({ test: 'paired-t', paired: true, nBase: 40, nCand: 40, trialsBase: 120, trialsCand: 120 });
  });

  it('falls back to unpaired with a warning when the task sets only partly overlap', () => {
    const base = run({ id: 'base', tasks: 100, variants: [{ id: 'a', quality: 0.7 }] });
    const full = [...base.trials()];
    const cand: RunData = { ...base, run: { ...base.run, id: 'cand' }, trials: () => full.slice(10) };
    const r = compareRuns(base, cand, { metrics: ['passRate'] });
    expect(r.comparisons[0]?.paired).toBe(false);
    expect(r.warnings.join('\n')).toMatch(/share 90 task\(s\) but 10 ran only in the base and 0 only in the candidate/);
  });

  it('compares every variant present in both runs, in the base order, and lists the others', () => {
    const base = run({ variants: [{ id: 'x', quality: 0.5 }, { id: 'b', quality: 0.5 }, { id: 'a', quality: 0.5 }] });
    const cand = run({ variants: [{ id: 'a', quality: 0.5 }, { id: 'b', quality: 0.5 }, { id: 'y', quality: 0.5 }] });
    const r = compareRuns(base, cand);
    expect(r.comparisons.map((c) => c.variant)).toEqual(['b', 'a']);
    expect(r.unmatched).toEqual({ base: ['x'], cand: ['y'] });
  });

  it('maps differently named variants with pairs, within one run too', () => {
    const both = run({ tasks: 500, variants: [{ id: 'control', quality: 0.8 }, { id: 'treatment', quality: 0.7 }] });
    const r = compareRuns(both, both, { metrics: ['passRate'], pairs: [{ base: 'control', cand: 'treatment' }] });
    expect(r.comparisons).toHaveLength(1);
    expect(r.comparisons[0]).toMatchObject({ variant: 'control → treatment', baseVariant: 'control', candVariant: 'treatment', paired: true, verdict: 'regressed' });
    expect(r.regressions).toBe(1);
  });

  it('throws a usage error naming the variants when nothing can be compared', () => {
    const base = run({ variants: [{ id: 'a', quality: 0.5 }] });
    const cand = run({ variants: [{ id: 'b', quality: 0.5 }] });
    expect(() => compareRuns(base, cand)).toThrow(/no variant in common \(base: a; candidate: b\)\. Map them with --pair/);
    expect(() => compareRuns(base, cand, { pairs: [{ base: 'a', cand: 'zz' }] })).toThrow(/candidate run has no variant 'zz' \(its variants: b\)/);
    expect(() => compareRuns(base, cand, { pairs: [{ base: 'q', cand: 'b' }] })).toThrow(/base run has no variant 'q'/);
  });
});

describe('compareRuns: metrics and directions', () => {
  const base = run({ id: 'base', variants: [{ id: 'a', quality: 0.7, latencyMs: 200, cost: 0.01 }] });

  it('reads latency and cost as lower-is-better', () => {
    const slower = mapTrials(base, (t) => ({ ...t, latencyMs: (t.latencyMs ?? 0) * 1.3, cost: (t.cost ?? 0) * 0.8 }));
    const r = compareRuns(base, slower, { metrics: ['latency', 'cost', 'score'] });
    const [latency, cost, score] = r.comparisons;
    expect(latency).toMatchObject({ metric: 'latency', higherIsBetter: false, verdict: 'regressed', exceedsBudget: true });
    expect(latency?.diff).toBeGreaterThan(50);
    expect(cost).toMatchObject({ metric: 'cost', higherIsBetter: false, verdict: 'improved', exceedsBudget: false });
    expect(cost?.relDiff).toBeCloseTo(-0.2, 10);
    // Identical pass/fail outcomes and no budget to clear: no evidence of change.
    expect(score).toMatchObject({ verdict: 'no significant change', diff: 0 });
    expect(r.regressions).toBe(1);
    expect(r.counts).toMatchObject({ improved: 1, regressed: 1, noSignificantChange: 1 });
  });

  it('leaves errored trials out of score, latency and pass rate, and counts them in errorRate', () => {
    const failing = mapTrials(base, (t) =>
      t.taskIdx % 5 === 0 ? { ...t, status: 'error', score: null, passed: null, latencyMs: null, errorKind: 'server', error: 'x' } : t,
    );
    const r = compareRuns(base, failing, { metrics: ['score', 'passRate', 'latency', 'errorRate'] });
    const [score, passRate, latency, errorRate] = r.comparisons;
    expect(score).toMatchObject({ trialsBase: 300, trialsCand: 240, paired: true, nBase: 240, nCand: 240, diff: 0 });
    expect(passRate?.trialsCand).toBe(240);
    expect(latency?.trialsCand).toBe(240);
    expect(errorRate).toMatchObject({ base: 0, cand: expect.closeTo(0.2, 12), verdict: 'regressed', exceedsBudget: true, higherIsBetter: false });
  });

  it('gives null, not NaN, and an inconclusive verdict when a side has no data', () => {
    const empty: RunData = { ...base, run: { ...base.run, id: 'empty' }, trials: () => [] };
    const r = compareRuns(base, empty, { metrics: ['score'] });
    expect(r.comparisons[0]).toMatchObject({ cand: null, diff: null, ci95: null, pValue: null, verdict: 'inconclusive', exceedsBudget: false });
    expect(JSON.stringify(r)).not.toMatch(/NaN/);
  });
});

describe('compareRuns: budget and correction', () => {
  const base = run({ id: 'base', tasks: 1000, variants: [{ id: 'a', quality: 0.8 }] });
  const cand = run({ id: 'cand', seed: 5, tasks: 1000, variants: [{ id: 'a', quality: 0.7 }] });

  it('fails a significant regression larger than the budget', () => {
    const r = compareRuns(base, cand, { metrics: ['passRate'], budgets: { passRate: { value: 0.02, relative: false } } });
    expect(r.comparisons[0]).toMatchObject({ verdict: 'regressed', exceedsBudget: true, maxRegression: 0.02 });
    expect(r.regressions).toBe(1);
  });

  it('tolerates a significant regression within the budget, absolute or relative to the base', () => {
    const absolute = compareRuns(base, cand, { metrics: ['passRate'], budgets: { passRate: { value: 0.15, relative: false } } });
    expect(absolute.comparisons[0]).toMatchObject({ verdict: 'regressed', exceedsBudget: false, maxRegression: 0.15 });
    expect(absolute.regressions).toBe(0);
    expect(absolute.counts.regressedWithinBudget).toBe(1);
    const relative = compareRuns(base, cand, { metrics: ['passRate'], budgets: { passRate: { value: 0.2, relative: true } } });
    const c = relative.comparisons[0];
    expect(c?.maxRegression).toBeCloseTo(0.2 * (c?.base ?? 0), 10);
    expect(relative.regressions).toBe(0);
    expect(relative.maxRegression).toEqual({ passRate: { value: 0.2, relative: true } });
  });

  it('calls a tiny difference "no significant change" once the interval sits inside the budget, "inconclusive" otherwise', () => {
    const same = run({ id: 'cand', seed: 6, tasks: 1000, variants: [{ id: 'a', quality: 0.8 }] });
    const loose = compareRuns(base, same, { metrics: ['passRate'], budgets: { passRate: { value: 0.1, relative: false } } });
    expect(loose.comparisons[0]?.verdict).toBe('no significant change');
    const strict = compareRuns(base, same, { metrics: ['passRate'], budgets: { passRate: { value: 0.001, relative: false } } });
    expect(strict.comparisons[0]?.verdict).toBe('inconclusive');
    expect(strict.regressions).toBe(0);
    const unbudgeted = compareRuns(base, same, { metrics: ['passRate'] });
    expect(unbudgeted.comparisons[0]?.verdict).toBe('no significant change');
  });

  it('adjusts p-values over every (variant, metric) and widens the verdict interval', () => {
    const b = run({ id: 'base', variants: [{ id: 'a', quality: 0.8 }, { id: 'b', quality: 0.5 }] });
    const c = run({ id: 'cand', seed: 3, variants: [{ id: 'a', quality: 0.8 }, { id: 'b', quality: 0.5 }] });
    const holm = compareRuns(b, c, { metrics: ['score', 'latency'] });
    expect(holm.comparisons).toHaveLength(4);
    for (const x of holm.comparisons) {
      expect(x.pValue).toBeGreaterThanOrEqual(x.pValueRaw ?? 1);
      expect(x.ciAdjusted?.confidence).toBeCloseTo(1 - 0.05 / 4, 12);
    }
    const none = compareRuns(b, c, { metrics: ['score', 'latency'], correction: 'none' });
    expect(none.comparisons.map((x) => x.pValue)).toEqual(none.comparisons.map((x) => x.pValueRaw));
    expect(none.comparisons[0]?.ciAdjusted?.confidence).toBe(0.95);
    const bh = compareRuns(b, c, { metrics: ['score', 'latency'], correction: 'bh' });
    bh.comparisons.forEach((x, i) => expect(x.pValue).toBeLessThanOrEqual(holm.comparisons[i]?.pValue ?? 0));
  });

  it('warns about runs that are unfinished or adaptive', () => {
    const adaptive: RunData = { ...cand, run: { ...cand.run, mode: 'adaptive', status: 'interrupted' } };
    const r = compareRuns(base, adaptive, { metrics: ['passRate'] });
    expect(r.warnings.join('\n')).toMatch(/candidate run cand is interrupted/);
    expect(r.warnings.join('\n')).toMatch(/candidate run cand is adaptive/);
  });
});
