import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../compare/synthetic.js';
import { computeReport } from './compute.js';
import { reportMarkdown } from './markdown.js';

describe('computeReport', () => {
  it('names the best variant, and establishes its lead with an anytime-valid sequence only when it is real', () => {
    const clear = computeReport(syntheticRun({ id: 'clear', seed: 1, tasks: 500, variants: [{ id: 'weak', quality: 0.5 }, { id: 'strong', quality: 0.8 }] }));
    expect(clear.best?.id).toBe('strong');
    expect(clear.leader).toMatchObject({ id: 'strong', runnerUp: 'weak', established: true });
    expect(clear.leader!.cs95[0]).toBeGreaterThan(0);
    expect(clear.leader!.cs95[0]).toBeLessThan(clear.leader!.difference);

    const same = computeReport(syntheticRun({ id: 'same', seed: 2, tasks: 300, variants: [{ id: 'a', quality: 0.7 }, { id: 'b', quality: 0.7 }] }));
    expect(same.leader?.established).toBe(false);
    expect(same.leader!.cs95[0]).toBeLessThan(0);
    expect(same.winner).toMatchObject({ known: false, criterion: 'fixed-sample' });
    expect(reportMarkdown(same)).toContain('**Leader: b, not yet known at 95% (fixed-sample check: a grid that ran its full plan)**: b − a = 0.023 [');
    expect(clear.winner).toMatchObject({ id: 'strong', known: true, criterion: 'fixed-sample' });
  });

  it('reports shares, per-variant statistics with clipped intervals, and P(best) summing to 1', () => {
    const r = computeReport(syntheticRun({ id: 'x', seed: 3, tasks: 40, variants: [{ id: 'a', quality: 0.95 }, { id: 'b', quality: 0.6 }, { id: 'c', quality: 0.6 }] }));
    expect(r.variants.map((v) => v.share)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    for (const v of r.variants) {
      expect(v.ci95![0]).toBeGreaterThanOrEqual(0);
      expect(v.ci95![1]).toBeLessThanOrEqual(1);
      expect(v.passRateCi95![0]).toBeLessThanOrEqual(v.passRate!);
    }
    expect(r.variants.reduce((s, v) => s + (v.probBest ?? 0), 0)).toBeCloseTo(1, 9);
    expect(r.allocation).toBeNull();
  });

  it('counts unknown cost and tokens apart instead of as zero', () => {
    const data = syntheticRun({ id: 'cli', seed: 4, tasks: 10, variants: [{ id: 'cli', quality: 0.8, cost: 0.01 }, { id: 'silent', quality: 0.8 }] });
    const trials = [...data.trials()].map((t, i) => (t.variantId === 'silent' ? { ...t, cost: null, tokensIn: null, tokensOut: null } : i % 2 ? { ...t, cost: null, tokensIn: null, tokensOut: null } : { ...t, tokensIn: 10, tokensOut: 2 }));
    const r = computeReport({ ...data, trials: () => trials });
    const cli = r.variants.find((v) => v.id === 'cli')!;
    const silent = r.variants.find((v) => v.id === 'silent')!;
    expect(cli).toMatchObject({ costUnknown: 5, tokensUnknown: 5, tokensIn: 50, tokensOut: 10 });
    expect(cli.costPerTrial).toBeCloseTo(cli.costTotal! / 5, 12);
    expect(silent).toMatchObject({ costTotal: null, costPerTrial: null, costUnknown: 10, tokensIn: null, tokensOut: null, tokensUnknown: 10 });
    expect(r.run.costUnknown).toBe(15);
    const md = reportMarkdown(r);
    expect(md).toContain('| – (10 unknown) | – | – / – (10 unknown) |');
    expect(md).toContain('Cost and tokens a CLI agent did not report are unknown, not zero');
  });
});
