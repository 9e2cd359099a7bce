import {
  budgetsLine, correctionName, countsLine, diffWithInterval, formatBudget, formatP, formatValue, headline, interval, runLine, verdictLabel,
  VERDICT_RULES,
} from '../compare/describe.js';
import { METRICS } from '../compare/metrics.js';
import type { MetricComparison, RunComparison } from '../compare/types.js';

const esc = (s: string) => s.replace(/\|/g, '\\|');
const TESTS: Record<string, string> = {
  'mcnemar-exact': 'McNemar exact (paired pass/fail)',
  'paired-t': 'paired t',
  'two-proportion-z': 'two-proportion z',
  'welch-t': 'Welch t',
};

/**
 * A comparison as Markdown for a pull-request comment: headline verdict, the failing comparisons, one
 * table row per (variant, metric), and the statistics in a collapsed `<details>` section.
 *
 * @example
 * writeFileSync('comment.md', compareMarkdown(compareRuns(base, cand)));
 */
export function compareMarkdown(r: RunComparison): string {
  const head = headline(r);
  const lines: string[] = [`### ${head.ok ? '✅' : '❌'} ${head.text}`, ''];
  const failing = r.comparisons.filter((c) => c.exceedsBudget);
  for (const c of failing.slice(0, 10)) {
    lines.push(`- **${esc(c.variant)}** ${METRICS[c.metric].label}: ${formatValue(c, c.base)} → ${formatValue(c, c.cand)} ` +
      `(${METRICS[c.metric].formatDiff(c.diff)}, p ${pText(c.pValue)}; budget ${formatBudget(c)})`);
  }
  if (failing.length > 10) lines.push(`- … and ${failing.length - 10} more (see the table)`);
  if (failing.length) lines.push('');
  lines.push(`${countsLine(r)}.`, '');
  lines.push(`Base \`${r.base.id}\` vs candidate \`${r.cand.id}\` · α = ${r.alpha} · ${correctionName(r)} correction · budget: ${budgetsLine(r)}`, '');
  lines.push('| variant | metric | base | candidate | difference [95% CI] | p | verdict |');
  lines.push('|---|---|---:|---:|---|---:|---|');
  for (const c of r.comparisons) {
    lines.push(`| ${esc(c.variant)} | ${METRICS[c.metric].label} | ${formatValue(c, c.base)} | ${formatValue(c, c.cand)} | ` +
      `${diffWithInterval(c)} | ${formatP(c.pValue)} | ${verdictLabel(c, true)} |`);
  }
  lines.push('');
  for (const w of r.warnings) lines.push(`> ⚠️ ${esc(w)}`, '');
  lines.push(...details(r), '');
  return lines.join('\n');
}

function details(r: RunComparison): string[] {
  const m = r.comparisons.length;
  const lines = ['<details>', '<summary>Statistical details</summary>', ''];
  lines.push(`| variant | metric | test | n base | n candidate | p raw | p ${r.correction} | 95% CI | verdict interval | budget |`);
  lines.push('|---|---|---|---:|---:|---:|---:|---|---|---:|');
  for (const c of r.comparisons) lines.push(detailRow(c));
  lines.push('');
  lines.push(`- **Runs.** Base ${runLine(r.base)}; candidate ${runLine(r.cand)}.`);
  lines.push(`- **Tests.** Paired by task when a variant ran the same tasks in both runs (repeats averaged per task; n counts tasks), ` +
    'unpaired otherwise (n counts trials). Pass/fail metrics use McNemar exact (paired) or a two-proportion z-test; others a paired or Welch t-test.');
  lines.push(`- **Correction.** ${correctionName(r)} over ${m} comparison${m === 1 ? '' : 's'} at α = ${r.alpha}; ` +
    `p is the corrected p-value, and the verdict interval is at confidence 1 − α${m > 1 && r.correction !== 'none' ? `/${m}` : ''}.`);
  lines.push(`- **Budget** (\`--max-regression\`): ${budgetsLine(r)}. Absolute budgets are in the metric's unit, percentages are relative to the base.`);
  for (const rule of VERDICT_RULES) lines.push(`- ${rule}`);
  if (r.unmatched.base.length || r.unmatched.cand.length) {
    lines.push(`- **Not compared.** Only in the base: ${r.unmatched.base.join(', ') || 'none'}; only in the candidate: ${r.unmatched.cand.join(', ') || 'none'}.`);
  }
  lines.push('', '</details>');
  return lines;
}

function detailRow(c: MetricComparison): string {
  const v = c.ciAdjusted;
  const verdictCi = v ? `${interval(c, [v.low, v.high])} (${(v.confidence * 100).toPrecision(3)}%)` : '–';
  return `| ${esc(c.variant)} | ${METRICS[c.metric].label} | ${TESTS[c.test] ?? c.test} | ${c.nBase} | ${c.nCand} | ` +
    `${formatP(c.pValueRaw)} | ${formatP(c.pValue)} | ${interval(c, c.ci95)} | ${verdictCi} | ${formatBudget(c)} |`;
}

function pText(p: number | null): string {
  const s = formatP(p);
  return s.startsWith('<') ? s.replace('<', '< ') : `= ${s}`;
}
