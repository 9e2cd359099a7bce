import {
  budgetsLine, correctionName, countsLine, diffWithInterval, formatP, formatValue, headline, runLine, verdictLabel,
} from '../compare/describe.js';
import { METRICS } from '../compare/metrics.js';
import type { RunComparison } from '../compare/types.js';
import { table } from './table.js';

/**
 * A comparison for the terminal: the runs, one aligned row per (variant, metric), then the verdict.
 *
 * @example
 * process.stdout.write(compareTable(compareRuns(base, cand)));
 */
export function compareTable(r: RunComparison): string {
  const rows = r.comparisons.map((c) => [
    c.variant,
    METRICS[c.metric].label,
    formatValue(c, c.base),
    formatValue(c, c.cand),
    diffWithInterval(c),
    formatP(c.pValue),
    c.paired ? 'paired' : 'unpaired',
    verdictLabel(c, false),
  ]);
  const head = headline(r);
  const lines = [
    `Base:      ${runLine(r.base)}`,
    `Candidate: ${runLine(r.cand)}`,
    '',
    table(['variant', 'metric', 'base', 'candidate', 'difference [95% CI]', `p (${r.correction})`, 'test', 'verdict'], rows),
    '',
  ];
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (r.unmatched.base.length || r.unmatched.cand.length) {
    lines.push(`Not compared: only in base: ${r.unmatched.base.join(', ') || 'none'}; only in candidate: ${r.unmatched.cand.join(', ') || 'none'}.`);
  }
  lines.push(`alpha ${r.alpha}, ${correctionName(r)} correction over ${r.comparisons.length} comparison(s); budget: ${budgetsLine(r)}.`);
  lines.push(`${head.ok ? 'OK' : 'FAIL'}: ${head.text}${countsLine(r) ? ` (${countsLine(r)})` : ''}.`, '');
  return lines.join('\n');
}
