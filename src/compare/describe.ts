/**
 * Words and numbers shared by the table and Markdown views of a comparison: the headline, verdict
 * labels, p-values, intervals and budgets with their units.
 */
import { describeBudget } from './budget.js';
import { METRICS } from './metrics.js';
import type { MetricComparison, RunComparison, RunSide } from './types.js';

const CORRECTION_NAMES: Record<string, string> = { holm: 'Holm', bh: 'Benjamini-Hochberg', bonferroni: 'Bonferroni', none: 'no' };

/** 'Holm', 'Benjamini-Hochberg', ... */
export function correctionName(c: RunComparison): string {
  return CORRECTION_NAMES[c.correction] ?? c.correction;
}

/**
 * The verdict in one line: what a pull-request reader sees first.
 *
 * @example
 * headline(result); // { ok: false, text: '1 regression beyond budget' }
 */
export function headline(r: RunComparison): { ok: boolean; text: string } {
  if (r.regressions > 0) return { ok: false, text: `${r.regressions} regression${r.regressions === 1 ? '' : 's'} beyond budget` };
  const within = r.counts.regressedWithinBudget;
  return { ok: true, text: within ? `no regression beyond budget (${within} within budget)` : 'no regression' };
}

/** '2 improved · 1 inconclusive · 3 no significant change' (zero counts left out). */
export function countsLine(r: RunComparison): string {
  const c = r.counts;
  const parts: [number, string][] = [
    [c.improved, 'improved'],
    [c.regressed - c.regressedWithinBudget, 'regressed beyond budget'],
    [c.regressedWithinBudget, 'regressed within budget'],
    [c.noSignificantChange, 'no significant change'],
    [c.inconclusive, 'inconclusive'],
  ];
  return parts.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}`).join(' · ');
}

/** 'score 0.02, latency 10%' ('0' when no metric has a budget). */
export function budgetsLine(r: RunComparison): string {
  const parts = r.metrics.map((m) => {
    const b = r.maxRegression[m];
    return `${METRICS[m].label} ${b ? describeBudget(b, METRICS[m]) : '0'}`;
  });
  return parts.join(', ');
}

/** "20261121-203235-861a (benchmark, 300 trials, seed 42)" */
export function runLine(s: RunSide): string {
  const status = s.status === 'completed' ? '' : `, ${s.status}`;
  return `${s.id} (${s.name}, ${s.trials} trials, seed ${s.seed}${status})`;
}

/** A p-value: '<0.001', '0.034', '1', or '–'. */
export function formatP(p: number | null): string {
  if (p === null) return '–';
  if (p < 0.001) return '<0.001';
  return p >= 0.9995 ? '1' : p.toFixed(3);
}

/**
 * The verdict of one comparison, telling a tolerated regression from a failing one.
 *
 * @example
 * verdictLabel(c, true); // '❌ regressed'
 */
export function verdictLabel(c: MetricComparison, emoji: boolean): string {
  if (c.verdict === 'regressed') {
    if (c.exceedsBudget) return emoji ? '❌ regressed' : 'REGRESSED';
    return emoji ? '⚠️ regressed (within budget)' : 'regressed (within budget)';
  }
  if (!emoji) return c.verdict;
  return c.verdict === 'improved' ? '✅ improved' : c.verdict === 'inconclusive' ? '❔ inconclusive' : '➖ no significant change';
}

/** A value of the comparison's metric, with its unit. */
export function formatValue(c: MetricComparison, x: number | null): string {
  return METRICS[c.metric].format(x);
}

/** '-0.100 [-0.140, -0.060]' in the metric's unit (pp for rates). */
export function diffWithInterval(c: MetricComparison): string {
  const d = METRICS[c.metric].formatDiff;
  return `${d(c.diff)} ${interval(c, c.ci95)}`;
}

/** '[-0.140, -0.060]' or '–'. */
export function interval(c: MetricComparison, ci: readonly [number, number] | null): string {
  const d = METRICS[c.metric].formatDiff;
  return ci ? `[${d(ci[0])}, ${d(ci[1])}]` : '–';
}

/** The comparison's budget as a magnitude in the metric's unit: '0.020', '2.0pp', '25.0ms'. */
export function formatBudget(c: MetricComparison): string {
  return METRICS[c.metric].formatDiff(c.maxRegression).replace(/^\+/, '');
}

/** The explanation printed under the Markdown details and by `--help`. */
export const VERDICT_RULES = [
  '`improved` / `regressed`: the corrected p-value is below α and the difference points that way.',
  '`no significant change`: not significant, and the verdict interval rules out any regression larger than the budget.',
  '`inconclusive`: not significant, but the interval still allows a regression larger than the budget: more trials are needed to clear it.',
  'The command fails (exit 1) only on `regressed` with an estimated regression larger than the budget; a significant regression within budget is reported but tolerated.',
];
