import { describe, expect, it } from 'vitest';
import { expectClose, reference } from './__fixtures__/reference.js';
import { adjustPValues, benjaminiHochberg, holm } from './multiple-comparisons.js';

describe('adjustPValues', () => {
  it.each(reference<{ p: number[]; holm: number[]; bh: number[] }>('multiple'))(
    'matches an independent Holm / BH implementation (#%#)',
    ({ p, holm: h, bh }) => {
      holm(p).forEach((v, i) => expectClose(v, h[i] as number, 1e-12, 1e-15, `holm[${i}]`));
      benjaminiHochberg(p).forEach((v, i) => expectClose(v, bh[i] as number, 1e-12, 1e-15, `bh[${i}]`));
    },
  );

  it('keeps input order and leaves NaN out of m', () => {
    expect(holm([0.04, NaN, 0.01])).toEqual([0.04, NaN, 0.02]);
    expect(adjustPValues([0.2, 0.01], 'bonferroni')).toEqual([0.4, 0.02]);
    expect(adjustPValues([0.2, 0.01], 'none')).toEqual([0.2, 0.01]);
    expect(holm([])).toEqual([]);
  });

  it('never lowers a p-value and keeps BH at or below Holm', () => {
    const p = [0.001, 0.02, 0.03, 0.2, 0.5, 0.04];
    const h = holm(p);
    const b = benjaminiHochberg(p);
    p.forEach((v, i) => {
      expect(h[i]).toBeGreaterThanOrEqual(v);
      expect(b[i]).toBeGreaterThanOrEqual(v);
      expect(b[i]).toBeLessThanOrEqual(h[i] as number);
    });
  });
});
