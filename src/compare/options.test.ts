import { describe, expect, it } from 'vitest';
import { UsageError } from '../model/errors.js';
import { describeBudget, parseBudgets, resolveBudget } from './budget.js';
import { METRICS, metricByName, parseMetrics } from './metrics.js';
import { parseCompareFlags } from './options.js';
import { pairVariants, parsePairs } from './pairs.js';

describe('parseMetrics', () => {
  it('accepts comma-separated and repeated names, aliases, and removes duplicates', () => {
    expect(parseMetrics(['score,passRate', 'latency', 'pass-rate'])).toEqual(['score', 'passRate', 'latency']);
    expect(metricByName('LATENCY_MS').name).toBe('latency');
    expect(metricByName('error-rate').name).toBe('errorRate');
  });
  it('lists the known metrics on a miss', () => {
    expect(() => parseMetrics(['score,speed'])).toThrow("unknown metric 'speed'; known metrics: score, passRate, latency, cost, errorRate.");
    expect(() => parseMetrics([','])).toThrow(UsageError);
  });
  it('knows which way is better', () => {
    expect(Object.values(METRICS).map((m) => [m.name, m.higherIsBetter])).toEqual([
      ['score', true], ['passRate', true], ['latency', false], ['cost', false], ['errorRate', false],
    ]);
  });
});

describe('parseBudgets', () => {
  const all = ['score', 'passRate', 'latency', 'cost'] as const;
  it('defaults every metric to 0', () => {
    expect(parseBudgets([], ['score', 'latency'])).toEqual({ score: { value: 0, relative: false }, latency: { value: 0, relative: false } });
  });
  it('applies a bare number or percentage to every metric, in its own unit', () => {
    expect(parseBudgets(['0.02'], ['score', 'cost'])).toEqual({ score: { value: 0.02, relative: false }, cost: { value: 0.02, relative: false } });
    expect(parseBudgets(['5%'], ['score', 'latency'])).toEqual({ score: { value: 0.05, relative: true }, latency: { value: 0.05, relative: true } });
  });
  it('applies a bare value with a unit only to the metrics measured in it', () => {
    expect(parseBudgets(['50ms', '$0.001', '2pp'], all)).toEqual({
      score: { value: 0.02, relative: false }, passRate: { value: 0.02, relative: false },
      latency: { value: 50, relative: false }, cost: { value: 0.001, relative: false },
    });
    expect(parseBudgets(['1.5s'], ['latency']).latency).toEqual({ value: 1500, relative: false });
  });
  it('lets metric=value entries win over bare ones, whatever the order', () => {
    expect(parseBudgets(['score=0.01,latency=10%', '0.05'], ['score', 'latency', 'passRate'])).toEqual({
      score: { value: 0.01, relative: false }, latency: { value: 0.1, relative: true }, passRate: { value: 0.05, relative: false },
    });
  });
  it('rejects malformed values, wrong units and budgets that could never fail', () => {
    expect(() => parseBudgets(['-0.1'], ['score'])).toThrow(/expected a non-negative number/);
    expect(() => parseBudgets(['score=abc'], ['score'])).toThrow(/got 'abc'/);
    expect(() => parseBudgets(['score=50ms'], ['score'])).toThrow(/score is measured in a fraction/);
    expect(() => parseBudgets(['latency=$1'], ['latency'])).toThrow(/mean latency is measured in ms/);
    expect(() => parseBudgets(['50'], ['score', 'latency'])).toThrow(/lies in \[0, 1\], so a budget of 50 never fails/);
    expect(() => parseBudgets(['50ms'], ['score'])).toThrow(/no compared metric is measured in that unit/);
    expect(() => parseBudgets(['speed=1'], ['score'])).toThrow(/unknown metric 'speed'/);
    expect(() => parseBudgets(['latency=10%'], ['score'])).toThrow('--max-regression latency=10%: latency is not compared; add it to --metric (compared: score).');
  });
  it('resolves relative budgets against the base mean and describes budgets back', () => {
    expect(resolveBudget({ value: 0.1, relative: true }, 250)).toBeCloseTo(25, 12);
    expect(resolveBudget({ value: 0.1, relative: true }, NaN)).toBe(0);
    expect(resolveBudget({ value: 0.02, relative: false }, 250)).toBe(0.02);
    expect(describeBudget({ value: 0.05, relative: true }, METRICS.score)).toBe('5%');
    expect(describeBudget({ value: 50, relative: false }, METRICS.latency)).toBe('50ms');
    expect(describeBudget({ value: 0.001, relative: false }, METRICS.cost)).toBe('$0.001');
  });
});

describe('parsePairs and pairVariants', () => {
  it('parses BASE=CAND, repeated or comma-separated', () => {
    expect(parsePairs(['a=b', 'c = d,e=f'])).toEqual([{ base: 'a', cand: 'b' }, { base: 'c', cand: 'd' }, { base: 'e', cand: 'f' }]);
    expect(() => parsePairs(['a'])).toThrow(/--pair expects BASE_VARIANT=CAND_VARIANT/);
    expect(() => parsePairs(['a=b=c'])).toThrow(UsageError);
  });
  it('uses exactly the mapped pairs, once each', () => {
    expect(pairVariants(['a', 'b'], ['b', 'c'], [{ base: 'a', cand: 'c' }, { base: 'a', cand: 'c' }])).toEqual({
      pairs: [{ base: 'a', cand: 'c' }], unmatched: { base: ['b'], cand: ['b'] },
    });
  });
});

describe('parseCompareFlags', () => {
  it('has the documented defaults', () => {
    expect(parseCompareFlags({})).toEqual({ metrics: ['score'], alpha: 0.05, correction: 'holm', budgets: { score: { value: 0, relative: false } } });
  });
  it('rejects a bad alpha or correction with a usage error', () => {
    for (const alpha of ['0', '1', 'x', '', '-0.1', '1.5']) expect(() => parseCompareFlags({ alpha })).toThrow(/--alpha must be a number between 0 and 1/);
    expect(() => parseCompareFlags({ correction: 'fdr' })).toThrow(/--correction must be one of holm, bh, bonferroni, none/);
  });
  it('passes the pairs through', () => {
    expect(parseCompareFlags({ pair: ['a=b'], metric: ['passRate'], maxRegression: ['5%'] })).toMatchObject({
      pairs: [{ base: 'a', cand: 'b' }], metrics: ['passRate'], budgets: { passRate: { value: 0.05, relative: true } },
    });
  });
});
