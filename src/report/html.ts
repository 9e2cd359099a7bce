/**
 * The standalone HTML report (`metaorch report RUN --format html > report.html`): one file with its
 * styles and SVG charts inline, no script and no external resource, so it opens offline, in any
 * browser, and can be attached or archived as is. The numbers are the report's (summary.json).
 */
import type { RunReport } from './compute.js';
import { errorVariants, verdictNumbers } from './errors-text.js';
import { fmt } from './format.js';
import { barChart, colourOf, escapeHtml, lineChart, type Bar } from './html-charts.js';
import type { TrialRecord } from '../store/records.js';
import { STATUS_WORDS, type ShownStatus } from './words.js';

/** Cumulative mean score of each variant along the run (x: trial sequence number). */
export interface ScoreSeries {
  xs: number[];
  variants: { id: string; means: (number | null)[] }[];
}

/** Points per series at most: enough for a smooth line, small enough for a light file. */
const MAX_POINTS = 200;

/**
 * Each variant's cumulative mean score at up to 200 points along the run, from its trials in order.
 *
 * @example
 * scoreSeries(data.trials(), ['a', 'b']).variants[0].means.at(-1); // the final mean score of a
 */
export function scoreSeries(trials: Iterable<Pick<TrialRecord, 'seq' | 'variantId' | 'status' | 'score'>>, variantIds: readonly string[]): ScoreSeries {
  const scored: [number, string, number][] = [];
  let last = 0;
  for (const t of trials) {
    if (t.status === 'scheduled') continue;
    last = Math.max(last, t.seq);
    if (t.status === 'ok' && t.score !== null) scored.push([t.seq, t.variantId, t.score]);
  }
  scored.sort((a, b) => a[0] - b[0]);
  const step = Math.max(1, Math.ceil((last + 1) / MAX_POINTS));
  const xs: number[] = [];
  for (let x = step - 1; x < last + step; x += step) xs.push(Math.min(x, last));
  const sums = new Map(variantIds.map((id) => [id, { n: 0, s: 0, means: [] as (number | null)[] }]));
  let i = 0;
  for (const x of xs) {
    for (; i < scored.length && scored[i]![0] <= x; i++) {
      const acc = sums.get(scored[i]![1]);
      if (acc) {
        acc.n++;
        acc.s += scored[i]![2];
      }
    }
    for (const acc of sums.values()) acc.means.push(acc.n ? acc.s / acc.n : null);
  }
  return { xs, variants: variantIds.map((id) => ({ id, means: sums.get(id)?.means ?? [] })) };
}

/**
 * The report as one self-contained HTML page.
 *
 * @example
 * process.stdout.write(reportHtml(computeReport(data), scoreSeries(data.trials(), ids)));
 */
export function reportHtml(r: RunReport, series: ScoreSeries): string {
  const { run } = r;
  const colours = new Map(r.variants.map((v, i) => [v.id, colourOf(i)]));
  const bar = (label: string, value: number | null, text: string, interval?: [number, number] | null): Bar => ({ label, value, text, interval: interval ?? null, colour: colours.get(label) ?? '#6b7280' });
  const maxLatency = Math.max(1, ...r.variants.map((v) => v.latencyP95Ms ?? 0));
  const maxCost = Math.max(0, ...r.variants.map((v) => v.costPerTrial ?? 0));
  const charts = [
    barChart('Mean score with its 95% interval', r.variants.map((v) => bar(v.id, v.meanScore, `${fmt.score(v.meanScore)} ${fmt.interval(v.ci95, fmt.score)}`, v.ci95)), 1, 'score-chart'),
    series.xs.length > 1
      ? lineChart('Cumulative mean score over the run', series.xs, series.variants.map((s) => ({ label: s.id, colour: colours.get(s.id) ?? '#6b7280', ys: s.means })), [0, 1], 'series-chart', (v) => v.toFixed(2))
      : '',
    barChart('p95 latency', r.variants.map((v) => bar(v.id, v.latencyP95Ms, `p50 ${fmt.ms(v.latencyP50Ms)} · p95 ${fmt.ms(v.latencyP95Ms)}`)), maxLatency, 'latency-chart'),
    maxCost > 0 ? barChart('Cost per trial', r.variants.map((v) => bar(v.id, v.costPerTrial, fmt.usd(v.costPerTrial))), maxCost, 'cost-chart') : '',
    r.variants.some((v) => v.errors > 0) ? barChart('Error rate', r.variants.map((v) => bar(v.id, v.errorRate, fmt.pct(v.errorRate))), 1, 'error-chart') : '',
  ].filter(Boolean);
  const numbers = verdictNumbers(r.winner);
  const rows = r.variants.map((v) => `<tr${v.id === r.winner.id ? ' class="lead"' : ''}>
  <td><span class="dot" style="background:${colours.get(v.id)}"></span>${escapeHtml(v.id)} <span class="muted">${escapeHtml(v.adapter)}</span></td>
  <td class="num">${fmt.int(v.trials)}</td><td class="num">${fmt.pct(v.share)}</td><td class="num">${fmt.pct(v.probBest)}</td>
  <td class="num">${fmt.score(v.meanScore)} <span class="muted">${fmt.interval(v.ci95, fmt.score)}</span></td>
  <td class="num">${fmt.pct(v.passRate)}</td><td class="num">${fmt.ms(v.latencyP50Ms)}</td><td class="num">${fmt.ms(v.latencyP95Ms)}</td>
  <td class="num">${fmt.usd(v.costPerTrial)}</td><td class="num">${fmt.int(v.errors)}</td></tr>`).join('\n');
  const errors = r.topErrors.length
    ? `<h2>Most frequent errors</h2><table><thead><tr><th class="num">count</th><th>kind</th><th>variants</th><th>message</th></tr></thead><tbody>${r.topErrors.map((e) => `<tr><td class="num">${fmt.int(e.count)}</td><td>${escapeHtml(e.kind)}</td><td>${escapeHtml(errorVariants(e))}</td><td><code>${escapeHtml(e.message)}</code>${e.hint ? `<div class="hint">Check: ${escapeHtml(e.hint)}</div>` : ''}</td></tr>`).join('')}</tbody></table>${r.otherErrors ? `<p class="muted">… and ${fmt.int(r.otherErrors)} other errors.</p>` : ''}`
    : '';
  const pct = (x: number | null) => (x === null ? '–' : `${Math.round(x * 100)}%`);
  const c = r.controller;
  const controller = c
    ? `<p class="meta">Controller: ${c.total} decision(s)${c.total ? ` (${escapeHtml(Object.entries(c.byKind).map(([k, n]) => `${n} ${k}`).join(', '))})` : ''}; validated changes: ` +
      `${c.validation.beneficial} beneficial (${pct(c.validation.shares.beneficial)}), ${c.validation.neutral} neutral (${pct(c.validation.shares.neutral)}), ` +
      `${c.validation.harmful} harmful (${pct(c.validation.shares.harmful)})${c.validation.pending ? `, ${c.validation.pending} still under test` : ''}. Details: <code>metaorch decisions ${escapeHtml(run.id)}</code>.</p>`
    : '';
  const allocation = r.allocation
    ? `<p class="meta">Allocation: policy <code>${escapeHtml(r.allocation.policy)}</code>${r.allocation.stoppedConfident ? ', stopped by its stopping rule' : ''}; estimated regret ${r.allocation.regret.toFixed(1)}.</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(run.name)}: run ${escapeHtml(run.id)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(run.name)} <span class="muted">run ${escapeHtml(run.id)}</span></h1>
<p class="meta">${escapeHtml(STATUS_WORDS[run.status as ShownStatus] ?? run.status)}${run.stopReason && run.stopReason !== 'done' ? ` (${escapeHtml(run.stopReason)})` : ''} · ${escapeHtml(run.mode)} · seed ${run.seed} · ${fmt.int(run.finished)}${run.planned ? ` of ${fmt.int(run.planned)}` : ''} trials · ${fmt.int(run.errors)} errors · ${fmt.usd(run.costTotal)}${run.startedAt ? ` · started ${escapeHtml(run.startedAt.replace('T', ' ').slice(0, 19))} UTC` : ''}</p>
${allocation}${controller}
<p class="verdict ${r.winner.known ? 'known' : 'open'}" id="winner"><strong>${escapeHtml(capitalise(r.winner.text))}</strong>${numbers ? `: ${escapeHtml(numbers)}` : ''}.</p>
<table>
<thead><tr><th>variant</th><th class="num">trials</th><th class="num">share</th><th class="num">P(best)</th><th class="num">mean score [95% CI]</th><th class="num">pass rate</th><th class="num">p50</th><th class="num">p95</th><th class="num">cost/trial</th><th class="num">errors</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<section class="charts">
${charts.join('\n')}
</section>
${errors}
<p class="muted small">Intervals: mean score, ${escapeHtml(r.intervals.meanScore)}; pass rate, ${escapeHtml(r.intervals.passRate)}; the winner check, ${escapeHtml(r.winner.why)}. Latency is of successful calls; trials answered from the response cache have none. Generated by meta-orchestrator from ${escapeHtml(run.source)}.</p>
</main>
</body>
</html>
`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f9fafb; margin: 0; }
main { max-width: 980px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.muted { color: #6b7280; font-weight: normal; } .small { font-size: 12px; } .meta { color: #374151; margin: 0 0 12px; }
.verdict { padding: 8px 12px; border-radius: 8px; border: 1px solid #d1d5db; background: #f3f4f6; }
.verdict.known { background: #ecfdf5; border-color: #a7f3d0; }
table { border-collapse: collapse; width: 100%; background: #fff; margin: 12px 0; }
th, td { padding: 6px 8px; border-bottom: 1px solid #e5e7eb; text-align: left; vertical-align: top; }
th { font-size: 12px; color: #4b5563; font-weight: 600; } .num { text-align: right; font-variant-numeric: tabular-nums; }
tr.lead td { font-weight: 600; } .dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; }
.charts { display: grid; gap: 12px; } figcaption { font-size: 13px; font-weight: 600; color: #374151; margin: 2px 4px 6px; } figure { margin: 0; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; overflow-x: auto; }
svg.chart { max-width: 100%; height: auto; display: block; } svg .label, svg .value, svg .tick { font: 12px system-ui, sans-serif; fill: #374151; }
svg .tick { font-size: 11px; fill: #6b7280; } code { font-size: 12px; white-space: pre-wrap; word-break: break-word; } .hint { color: #92400e; margin-top: 3px; }
@media print { body { background: #fff; } figure { break-inside: avoid; } }
`;
