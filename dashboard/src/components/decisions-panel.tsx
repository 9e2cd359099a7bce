/** The controller's decisions: a table with each one's evidence, validation and what undid it, and their markers for the charts. */
import { useState } from 'preact/hooks';
import type { Decision, DecisionsResponse } from '../../../src/server/api-types.js';
import { fmt, timeOfDay } from '../format.js';
import type { ChartMarker } from './chart.js';
import { Empty, Section } from './ui.js';

const KIND_COLOR: Record<string, string> = {
  quarantine: '#c62828', probe: '#ef6c00', restore: '#2e7d32', reweight: '#f9a825', rollback: '#6a1b9a', escalate: '#455a64',
  pause: '#b71c1c', reset: '#1565c0', stop: '#00838f',
};

export const colorOfKind = (kind: string): string => KIND_COLOR[kind] ?? '#607d8b';

/** Markers on the trial axis for every controller decision (id and kind as the label). */
export function decisionMarkers(decisions: Decision[]): ChartMarker[] {
  return decisions.filter((d) => d.atTrial !== undefined).map((d) => ({ x: Math.max(0, d.atTrial! - 1), color: colorOfKind(d.kind), label: `#${d.id} ${d.kind}` }));
}

interface Evidence {
  detector?: string; metric?: string; test?: string; statistic?: number; threshold?: number; baseline?: number | null; current?: number | null;
  samples?: { baseline: number; current: number }; window?: { fromTrial: number; toTrial: number }; details?: Record<string, unknown>;
}

interface Record_ {
  evidence?: Evidence | null;
  change?: { before: Record<string, unknown>; after: Record<string, unknown> } | null;
  validation?: Record<string, unknown> & { status: string };
  delivery?: Record<string, unknown> | null;
  undoes?: number | null;
  fromSeq?: number;
  detector?: string | null;
}

const num = (x: unknown): string => (typeof x === 'number' ? (Math.abs(x) >= 100 || Number.isInteger(x) ? fmt.int(Math.round(x)) : x.toPrecision(4)) : x === null || x === undefined ? '–' : String(x));

function EvidenceView({ d }: { d: Decision }) {
  const r = (d.data ?? {}) as Record_;
  const e = r.evidence;
  const rows: [string, string][] = [];
  if (e) {
    rows.push(['test', e.test ?? '–'], ['metric', e.metric ?? '–'], ['statistic / threshold', `${num(e.statistic)} / ${num(e.threshold)}`]);
    rows.push(['baseline → current', `${num(e.baseline)} → ${num(e.current)}`]);
    if (e.samples) rows.push(['samples (baseline, current)', `${num(e.samples.baseline)}, ${num(e.samples.current)}`]);
    if (e.window) rows.push(['window (trials)', `${num(e.window.fromTrial)} – ${num(e.window.toTrial)}`]);
    for (const [k, v] of Object.entries(e.details ?? {})) rows.push([k, num(v)]);
  }
  if (r.change) rows.push(['change', `${JSON.stringify(r.change.before)} → ${JSON.stringify(r.change.after)}`]);
  if (r.validation && r.validation.status !== 'not-applicable') {
    const v = r.validation;
    rows.push(['validation', `${v.status}${typeof v['pairs'] === 'number' ? ` · ${v['pairs']} pairs, reward ${num(v['treatment'])} with the change vs ${num(v['control'])} in the control share` : ''}`]);
  }
  if (r.undoes) rows.push(['undoes', `#${r.undoes}`]);
  if (r.delivery) rows.push(['escalation', JSON.stringify(r.delivery)]);
  if (rows.length === 0) rows.push(['data', JSON.stringify(d.data)]);
  return (
    <table class="table compact evidence" data-testid="decision-evidence">
      <tbody>{rows.map(([k, v]) => <tr key={k}><th>{k}</th><td class="mono small">{v}</td></tr>)}</tbody>
    </table>
  );
}

export function DecisionsPanel({ response }: { response: DecisionsResponse }) {
  const [open, setOpen] = useState<number | null>(null);
  const list = response.decisions;
  const s = response.summary;
  const aside = s && s.total > 0
    ? `${s.total} decision(s) · validated: ${s.validation.beneficial} beneficial, ${s.validation.neutral} neutral, ${s.validation.harmful} harmful${s.validation.pending ? `, ${s.validation.pending} pending` : ''}`
    : response.note;
  return (
    <Section title="Controller decisions" aside={<span class="muted small" data-testid="decisions-summary">{aside}</span>}>
      {list.length === 0 ? (
        <Empty title="No decisions">{response.note}</Empty>
      ) : (
        <table class="table compact clickable" data-testid="decisions-table">
          <thead><tr><th class="num">#</th><th>time</th><th class="num">trial</th><th>kind</th><th>target</th><th>validation</th><th>reason</th></tr></thead>
          <tbody>
            {list.map((d) => {
              const key = d.id ?? -d.seq;
              return [
                <tr key={key} data-decision={d.id ?? ''} onClick={() => setOpen(open === key ? null : key)} class={d.undoneBy ? 'undone' : ''}>
                  <td class="num mono">{d.id ?? '–'}</td>
                  <td class="mono small muted">{timeOfDay(d.ts)}</td>
                  <td class="num">{d.atTrial !== undefined ? fmt.int(d.atTrial) : '–'}</td>
                  <td><span class="chip" style={{ background: `${colorOfKind(d.kind)}22`, color: colorOfKind(d.kind) }}>{d.kind}</span>{d.source === 'manual' ? <span class="muted small"> · by hand</span> : null}</td>
                  <td>{d.target ?? '–'}</td>
                  <td class={d.validation === 'harmful' ? 'bad' : d.validation === 'beneficial' ? 'good' : ''}>{d.validation ?? '–'}{d.undoneBy ? <span class="muted small"> · undone by #{d.undoneBy}</span> : null}</td>
                  <td class="small">{d.summary}</td>
                </tr>,
                open === key ? <tr key={`${key}-e`} class="evidence-row"><td colSpan={7}><EvidenceView d={d} /></td></tr> : null,
              ];
            })}
          </tbody>
        </table>
      )}
    </Section>
  );
}
