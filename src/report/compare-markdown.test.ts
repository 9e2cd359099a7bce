import { describe, expect, it } from 'vitest';
import { compareRuns } from '../compare/compare-runs.js';
import { syntheticRun } from '../compare/synthetic.js';
import { compareMarkdown } from './compare-markdown.js';
import { compareTable } from './compare-table.js';

const base = syntheticRun({ id: 'base-run', seed: 1, tasks: 500, variants: [{ id: 'a', quality: 0.8, latencyMs: 200 }, { id: 'b', quality: 0.6 }] });
const worse = syntheticRun({ id: 'cand-run', seed: 2, tasks: 500, variants: [{ id: 'a', quality: 0.7, latencyMs: 200 }, { id: 'b', quality: 0.6 }] });
const same = syntheticRun({ id: 'cand-run', seed: 3, tasks: 500, variants: [{ id: 'a', quality: 0.8, latencyMs: 200 }, { id: 'b', quality: 0.6 }] });

describe('compareMarkdown', () => {
  it('leads with the failing regressions, then a table, then collapsed details', () => {
    const md = compareMarkdown(compareRuns(base, worse, { metrics: ['passRate', 'latency'], budgets: { latency: { value: 0.1, relative: true } } }));
    const lines = md.split('\n');
    expect(lines[0]).toBe('### ❌ 1 regression beyond budget');
    expect(md).toMatch(/^- \*\*a\*\* pass rate: \d+\.\d% → \d+\.\d% \(-\d+\.\dpp, p [<=] 0\.0\d+; budget 0\.0pp\)$/m);
    expect(md).toContain('| variant | metric | base | candidate | difference [95% CI] | p | verdict |');
    expect(md).toMatch(/^\| a \| pass rate \| .* \| ❌ regressed \|$/m);
    expect(md).toMatch(/^\| b \| mean latency \| .*ms \| .*ms \| [+-].*ms \[.*ms, .*ms\] \| .* \|$/m);
    const details = md.slice(md.indexOf('<details>'));
    expect(details).toContain('<summary>Statistical details</summary>');
    expect(details).toMatch(/\| a \| pass rate \| McNemar exact \(paired pass\/fail\) \| 500 \| 500 \| [<\d.]+ \| [<\d.]+ \|/);
    expect(details).toContain('Holm over 4 comparisons at α = 0.05');
    expect(details).toContain('verdict interval is at confidence 1 − α/4');
    expect(details).toContain('**Budget** (`--max-regression`): pass rate 0, mean latency 10%.');
    expect(md.trimEnd().endsWith('</details>')).toBe(true);
  });

  it('says "no regression" when nothing fails, and shows tolerated regressions', () => {
    expect(compareMarkdown(compareRuns(base, same, { metrics: ['passRate'] })).split('\n')[0]).toBe('### ✅ no regression');
    const tolerated = compareMarkdown(compareRuns(base, worse, { metrics: ['passRate'], budgets: { passRate: { value: 0.2, relative: false } } }));
    expect(tolerated.split('\n')[0]).toBe('### ✅ no regression beyond budget (1 within budget)');
    expect(tolerated).toContain('⚠️ regressed (within budget)');
  });
});

describe('compareTable', () => {
  it('prints the runs, aligned rows with units, and the outcome', () => {
    const text = compareTable(compareRuns(base, worse, { metrics: ['passRate', 'cost'] }));
    expect(text).toMatch(/^Base: {6}base-run \(synthetic, 1000 trials, seed 1\)$/m);
    expect(text).toMatch(/^a +pass rate +\d+\.\d% +\d+\.\d% +-\d+\.\dpp \[.*pp, .*pp\] +[<\d.]+ +paired +REGRESSED$/m);
    expect(text).toMatch(/^b +cost\/trial +\$0\.00\d+/m);
    expect(text).toMatch(/^FAIL: 1 regression beyond budget \(1 regressed beyond budget/m);
  });
});
