import { fmt } from './format.js';
import type { TopError } from './top-errors.js';
import type { WinnerVerdict } from './winner.js';

/** `careful − balanced = 0.080 [0.012, 0.148]`: the numbers behind a verdict, when it has them. */
export function verdictNumbers(v: WinnerVerdict): string {
  if (v.difference === null || v.runnerUp === null) return '';
  const interval = v.interval ? ` ${fmt.interval(v.interval, fmt.score)}` : '';
  return `${v.id} − ${v.runnerUp} = ${fmt.score(v.difference)}${interval}`;
}

/** The variants an error hit, most hit first: `broken 200, slow 3`. */
export function errorVariants(e: TopError): string {
  return Object.entries(e.variants).sort((a, b) => b[1] - a[1]).map(([id, n]) => `${id} ${fmt.int(n)}`).join(', ');
}

/**
 * The console's list of the most frequent errors, with hints; empty when nothing failed.
 *
 * @example
 * process.stdout.write(errorsText(report.topErrors, report.otherErrors));
 */
export function errorsText(errors: readonly TopError[], others: number): string {
  if (errors.length === 0) return '';
  const lines = ['Most frequent errors:'];
  for (const e of errors) {
    lines.push(`  ${fmt.int(e.count)} × ${e.kind} (${errorVariants(e)}): ${e.message}`);
    if (e.hint) lines.push(`      hint: ${e.hint}`);
  }
  if (others > 0) lines.push(`  ... and ${fmt.int(others)} other error${others === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}
