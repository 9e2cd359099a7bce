import type { RunReport } from './compute.js';
import { errorVariants, verdictNumbers } from './errors-text.js';
import { fmt } from './format.js';
import { STATUS_WORDS, type ShownStatus } from './words.js';

/**
 * The human report (summary.md): the verdict first, then one row per variant.
 *
 * @example
 * writeFileSync('summary.md', reportMarkdown(report));
 */
export function reportMarkdown(r: RunReport): string {
  const lines: string[] = [];
  const { run } = r;
  lines.push(`# ${run.name}: run ${run.id}`, '');
  lines.push(`**Status:** ${STATUS_WORDS[run.status as ShownStatus] ?? run.status}${run.stopReason && run.stopReason !== 'done' ? ` (${run.stopReason})` : ''} · ` +
    `**mode:** ${run.mode} · **seed:** ${run.seed} · **trials:** ${fmt.int(run.finished)}${run.planned ? ` of ${fmt.int(run.planned)}` : ''} · ` +
    `**errors:** ${fmt.int(run.errors)} · **cost:** ${fmt.usd(run.costTotal)}`, '');
  if (r.controller) {
    const c = r.controller;
    const v = c.validation;
    const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
    lines.push(`**Controller:** ${c.total} decision(s)${c.total ? ` (${Object.entries(c.byKind).map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}; ` +
      `validated changes: ${v.beneficial} beneficial (${pct(v.shares.beneficial)}), ${v.neutral} neutral (${pct(v.shares.neutral)}), ${v.harmful} harmful (${pct(v.shares.harmful)})` +
      `${v.pending ? `, ${v.pending} still under test` : ''}. Details: \`metaorch decisions ${r.run.id}\`.`, '');
  }
  if (r.allocation) {
    lines.push(`**Allocation:** policy \`${r.allocation.policy}\`${r.allocation.stoppedConfident ? ', stopped by its stopping rule' : ''}; ` +
      `estimated regret ${r.allocation.regret.toFixed(1)} (reward lost against always choosing the final best variant).`, '');
  }
  const numbers = verdictNumbers(r.winner);
  lines.push(`**${capitalise(r.winner.text)}**${numbers ? `: ${numbers}` : ''}.`, '');
  lines.push('| variant | trials | share | P(best) | errors | mean score [95% CI] | pass rate [95% CI] | p50 latency | p95 latency | cost | cost/trial | tokens in/out |');
  lines.push('|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|');
  for (const v of r.variants) {
    const errorKinds = Object.entries(v.errorsByKind).map(([k, n]) => `${k} ${n}`).join(', ');
    lines.push(
      `| ${v.id === r.best?.id ? `**${v.id}**` : v.id} | ${fmt.int(v.trials)} | ${fmt.pct(v.share)} | ${fmt.pct(v.probBest)} | ${fmt.int(v.errors)}${errorKinds ? ` (${errorKinds})` : ''} | ` +
      `${fmt.score(v.meanScore)} ${fmt.interval(v.ci95, fmt.score)} | ${fmt.pct(v.passRate)} ${fmt.interval(v.passRateCi95, (x) => fmt.pct(x))} | ` +
      `${fmt.ms(v.latencyP50Ms)} | ${fmt.ms(v.latencyP95Ms)} | ${fmt.usd(v.costTotal)}${unknown(v.costUnknown)} | ${fmt.usd(v.costPerTrial)} | ` +
      `${fmt.int(v.tokensIn)} / ${fmt.int(v.tokensOut)}${unknown(v.tokensUnknown)} |`,
    );
  }
  lines.push('', `Intervals: mean score, ${r.intervals.meanScore}; pass rate, ${r.intervals.passRate}. ` +
    'P(best): posterior probability of the highest mean reward (Beta posteriors, integrated numerically).');
  lines.push(`Errored trials have no score and are excluded from the mean score and pass rate; see the errors column.`, '');
  if (r.variants.some((v) => v.costUnknown || v.tokensUnknown)) {
    lines.push('Cost and tokens a CLI agent did not report are unknown, not zero: totals count the known trials, and "(n unknown)" says how many are not; cost/trial is the mean of the known ones.', '');
  }
  const cached = r.variants.reduce((n, v) => n + v.cached, 0);
  if (cached > 0) lines.push(`${fmt.int(cached)} of ${fmt.int(run.finished)} trials were answered from the response cache: no call was made, they cost nothing and are left out of the latency percentiles.`, '');
  if (r.topErrors.length) {
    lines.push('## Most frequent errors', '', '| count | kind | variants | message | what to check |', '|---:|---|---|---|---|');
    for (const e of r.topErrors) lines.push(`| ${fmt.int(e.count)} | ${e.kind} | ${errorVariants(e)} | ${cell(e.message)} | ${e.hint ? cell(e.hint) : ''} |`);
    if (r.otherErrors > 0) lines.push('', `... and ${fmt.int(r.otherErrors)} other error${r.otherErrors === 1 ? '' : 's'}.`);
    lines.push('');
  }
  return lines.join('\n');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Text inside a Markdown table cell: no pipes or line breaks to break the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function unknown(n: number): string {
  return n ? ` (${n} unknown)` : '';
}
