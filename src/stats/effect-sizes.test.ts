import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import { cohensD, differenceOfMeans, ratioOfMeans } from './effect-sizes.js';
import type { Estimate } from './test-result.js';
import { welchTTest } from './two-sample.js';

interface Case {
  x: number[];
  y: number[];
  ratio: Estimate;
  cohensD: Estimate;
}

describe('effect sizes', () => {
  it.each(reference<Case>('effectSizes'))('match the independent Python formulas (#%#)', ({ x, y, ratio, cohensD: d }) => {
    const r = ratioOfMeans(x, y);
    expectClose(r.estimate, ratio.estimate, 1e-12, 1e-15, 'ratio');
    expectClose(r.low, ratio.low, 1e-9, 1e-12, 'ratio low');
    expectClose(r.high, ratio.high, 1e-9, 1e-12, 'ratio high');
    const c = cohensD(x, y);
    expectClose(c.estimate, d.estimate, 1e-9, 1e-12, 'd');
    expectClose(c.low, d.low, 1e-9, 1e-12, 'd low');
    expectClose(c.high, d.high, 1e-9, 1e-12, 'd high');
  });

  it('difference of means is the Welch interval', () => {
    const x = [3, 4, 5, 6];
    const y = [1, 2, 3];
    expect(differenceOfMeans(x, y)).toEqual(welchTTest(x, y).difference);
  });

  it('ratio needs positive means; d needs two values a side', () => {
    const r = ratioOfMeans([-3, 1, 1], [1, 2, 3]);
    expect(r.low).toBeNaN();
    expect(cohensD([1], [1, 2]).estimate).toBeNaN();
    expect(cohensD([2, 2], [1, 1]).estimate).toBe(Infinity);
  });
});
