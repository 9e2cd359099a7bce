/** Compare: two runs, per-variant differences with intervals and the verdicts `metaorch compare` gives. */
import { useEffect, useState } from 'preact/hooks';
import type { CompareDoc, CompareResponse, RunListResponse, RunRow } from '../../../src/server/api-types.js';
import { api, query } from '../api.js';
import { Empty, ErrorBox, Loading, Section, StatusPill } from '../components/ui.js';
import { dateTime, fmt, signed } from '../format.js';
import { patchQuery, type Route } from '../route.js';

const METRICS: [string, string][] = [['score', 'score'], ['passRate', 'pass rate'], ['latency', 'latency'], ['cost', 'cost/trial'], ['errorRate', 'error rate']];

export function ComparePage({ route }: { route: Route }) {
  const base = route.query.get('base') ?? '';
  const cand = route.query.get('cand') ?? '';
  const metrics = (route.query.get('metrics') ?? 'score').split(',').filter(Boolean);
  const [runs, setRuns] = useState<RunRow[] | null>(null);
  const [result, setResult] = useState<CompareResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.get<RunListResponse>('/api/runs?limit=500').then((r) => setRuns(r.runs), setError);
  }, []);
  useEffect(() => {
    setResult(null);
    setError(null);
    if (!base || !cand) return;
    setBusy(true);
    api.get<CompareResponse>(`/api/compare${query({ base, cand, metrics: metrics.join(',') })}`).then(setResult, setError).finally(() => setBusy(false));
  }, [base, cand, metrics.join(',')]);
  const toggleMetric = (m: string) => {
    const next = metrics.includes(m) ? metrics.filter((x) => x !== m) : [...metrics, m];
    patchQuery({ metrics: next.length ? METRICS.map(([k]) => k).filter((k) => next.includes(k)).join(',') : 'score' });
  };
  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1>Compare runs</h1>
          <p class="muted">Candidate minus base, per variant, with 95% intervals and the verdicts of <code>metaorch compare</code> (Holm-corrected).</p>
        </div>
      </div>
      <div class="card compare-pick">
        <RunSelect label="Base" value={base} runs={runs} onChange={(v) => patchQuery({ base: v }, false)} testId="base-select" />
        <button type="button" class="btn btn-small" title="Swap" onClick={() => patchQuery({ base: cand, cand: base }, false)} disabled={!base || !cand}>⇄</button>
        <RunSelect label="Candidate" value={cand} runs={runs} onChange={(v) => patchQuery({ cand: v }, false)} testId="cand-select" />
        <div class="metric-chips" role="group" aria-label="Metrics">
          {METRICS.map(([k, label]) => (
            <label class={`chip-toggle ${metrics.includes(k) ? 'on' : ''}`}>
              <input type="checkbox" checked={metrics.includes(k)} onChange={() => toggleMetric(k)} /> {label}
            </label>
          ))}
        </div>
      </div>
      {error !== null && <ErrorBox error={error} />}
      {(!base || !cand) && <Empty title="Pick two runs">Choose a base and a candidate above, or tick two runs on the Runs page.</Empty>}
      {busy && <Loading label="Comparing…" />}
      {result && <CompareResult r={result} />}
    </div>
  );
}

function RunSelect({ label, value, runs, onChange, testId }: { label: string; value: string; runs: RunRow[] | null; onChange: (v: string) => void; testId: string }) {
  return (
    <label class="run-select">
      <span class="muted small">{label}</span>
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)} data-testid={testId}>
        <option value="">{runs ? 'choose a run…' : 'loading…'}</option>
        {(runs ?? []).map((r) => (
          <option value={r.id}>{`${r.name} · ${r.id} · ${r.status} · ${fmt.int(r.finished)} trials`}</option>
        ))}
      </select>
    </label>
  );
}

const VERDICT_CLASS: Record<string, string> = { improved: 'good', regressed: 'bad', 'no significant change': 'neutral', inconclusive: 'muted' };

function CompareResult({ r }: { r: CompareResponse }) {
  const [allTasks, setAllTasks] = useState(false);
  const tasks = allTasks ? r.tasks.changed : r.tasks.changed.slice(0, 15);
  return (
    <>
      <div class="grid-2">
        <RunCard title="Base" run={r.base} />
        <RunCard title="Candidate" run={r.cand} />
      </div>
      {r.error && <div class="error-box">{r.error}</div>}
      {r.comparison && <Comparisons doc={r.comparison} />}
      <Section title="Tasks that changed" aside={<span class="muted small">mean score per task and variant, candidate vs base</span>}>
        <p class="small">
          <span class="good">{fmt.int(r.tasks.improved)} improved</span> · <span class="bad">{fmt.int(r.tasks.regressed)} regressed</span> · {fmt.int(r.tasks.unchanged)} unchanged
          {r.tasks.onlyBase + r.tasks.onlyCand > 0 && <span class="muted"> · {fmt.int(r.tasks.onlyBase)} tasks only in base, {fmt.int(r.tasks.onlyCand)} only in candidate</span>}
        </p>
        {r.tasks.changed.length === 0 ? (
          <Empty title="No task changed score" />
        ) : (
          <table class="table compact" data-testid="task-changes">
            <thead><tr><th>Task</th><th>Variant</th><th class="num">Base</th><th class="num">Candidate</th><th class="num">Change</th></tr></thead>
            <tbody>
              {tasks.map((t) => (
                <tr><td class="mono small">{t.taskId}</td><td>{t.variant}</td><td class="num">{fmt.score(t.base)}</td><td class="num">{fmt.score(t.cand)}</td><td class={`num ${t.diff > 0 ? 'good' : 'bad'}`}>{signed(t.diff, (v) => v.toFixed(3))}</td></tr>
              ))}
            </tbody>
          </table>
        )}
        {r.tasks.changed.length > tasks.length && (
          <button type="button" class="btn btn-small" onClick={() => setAllTasks(true)}>
            Show all {fmt.int(r.tasks.changed.length)}
          </button>
        )}
      </Section>
    </>
  );
}

function RunCard({ title, run }: { title: string; run: RunRow }) {
  return (
    <div class="card run-card">
      <div class="muted small">{title}</div>
      <h3><a href={`/runs/${encodeURIComponent(run.id)}`}>{run.name}</a> <StatusPill status={run.status} /></h3>
      <div class="mono small muted">{run.id}</div>
      <div class="small">{run.mode} · {fmt.int(run.finished)} trials · {fmt.usd(run.cost)} · started {dateTime(run.startedAt)}</div>
      <div class="small">best: {run.best ? <><strong>{run.best.id}</strong> ({fmt.score(run.best.meanScore)})</> : '–'}</div>
    </div>
  );
}

function Comparisons({ doc }: { doc: CompareDoc }) {
  const c = doc.counts;
  return (
    <Section title="Per-variant differences" aside={<span class="muted small">α = {doc.alpha}, correction: {doc.correction}</span>}>
      <p class="verdict-summary" data-testid="verdict-summary">
        <span class="good">{c.improved} improved</span> · <span class="bad">{c.regressed} regressed</span> · {c.noSignificantChange} no significant change · <span class="muted">{c.inconclusive} inconclusive</span>
        {doc.regressions > 0 && <strong class="bad"> · {doc.regressions} regression(s) beyond budget: `metaorch compare` would exit 1</strong>}
      </p>
      {doc.comparisons.length === 0 ? (
        <Empty title="No variant in common">Variants only in base: {doc.unmatched.base.join(', ') || '–'}; only in candidate: {doc.unmatched.cand.join(', ') || '–'}.</Empty>
      ) : (
        <table class="table" data-testid="compare-table">
          <thead><tr><th>Variant</th><th>Metric</th><th class="num">Base</th><th class="num">Candidate</th><th>Difference [95% CI]</th><th class="num">p (adj.)</th><th>Verdict</th></tr></thead>
          <tbody>
            {doc.comparisons.map((x) => (
              <tr>
                <td>{x.variant}</td>
                <td>{x.metric}<div class="muted small">{x.test}{x.paired ? ', paired' : ''} · n {fmt.int(x.nBase)} / {fmt.int(x.nCand)}</div></td>
                <td class="num">{formatMetric(x.metric, x.base)}</td>
                <td class="num">{formatMetric(x.metric, x.cand)}</td>
                <td>
                  <span>{signed(x.diff, (v) => formatMetric(x.metric, v))}</span>{' '}
                  <span class="muted small">{x.ci95 ? `[${signed(x.ci95[0], (v) => formatMetric(x.metric, v))}, ${signed(x.ci95[1], (v) => formatMetric(x.metric, v))}]` : ''}</span>
                  <DiffBar ci={x.ci95} diff={x.diff} higherIsBetter={x.higherIsBetter} />
                </td>
                <td class="num">{x.pValue === null ? '–' : x.pValue < 0.001 ? '<0.001' : x.pValue.toFixed(3)}</td>
                <td><span class={`verdict ${VERDICT_CLASS[x.verdict] ?? ''}`}>{x.verdict}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {doc.warnings.length > 0 && <ul class="warnings">{doc.warnings.map((w) => <li>{w}</li>)}</ul>}
    </Section>
  );
}

function formatMetric(metric: string, v: number | null): string {
  if (v === null) return '–';
  if (metric === 'latency') return fmt.ms(v);
  if (metric === 'cost') return fmt.usd(v);
  if (metric === 'score') return fmt.score(v);
  return fmt.pct(v);
}

/** The interval of the difference on a symmetric scale around zero; green side = better. */
function DiffBar({ ci, diff, higherIsBetter }: { ci: [number, number] | null; diff: number | null; higherIsBetter: boolean }) {
  if (!ci || diff === null) return null;
  const span = Math.max(Math.abs(ci[0]), Math.abs(ci[1]), 1e-12) * 1.15;
  const pos = (x: number) => `${50 + (x / span) * 50}%`;
  const good = higherIsBetter ? ci[0] > 0 : ci[1] < 0;
  const bad = higherIsBetter ? ci[1] < 0 : ci[0] > 0;
  return (
    <span class="dbar" aria-hidden="true">
      <span class="dbar-zero" />
      <span class={`dbar-range ${good ? 'good-bg' : bad ? 'bad-bg' : ''}`} style={{ left: pos(ci[0]), width: `calc(${pos(ci[1])} - ${pos(ci[0])})` }} />
      <span class="dbar-tick" style={{ left: pos(diff) }} />
    </span>
  );
}
