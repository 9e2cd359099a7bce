/** Runs: the history, sortable and filterable; the URL holds filters and sort; pick two to compare. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RunListResponse, RunRow } from '../../../src/server/api-types.js';
import { api, query } from '../api.js';
import { ProcessesPanel } from '../components/processes.js';
import { ErrorBox, Loading, StatusPill, Empty } from '../components/ui.js';
import { ago, dateTime, duration, fmt } from '../format.js';
import { navigate, patchQuery, type Route } from '../route.js';

const COLUMNS: [key: string, label: string, numeric: boolean][] = [
  ['name', 'Run', false], ['mode', 'Mode', false], ['status', 'Status', false], ['started', 'Started', false],
  ['trials', 'Trials', true], ['score', 'Winner · score', false], ['cost', 'Cost', true],
];

export function RunsPage({ route }: { route: Route }) {
  const q = route.query;
  const filters = { q: q.get('q') ?? '', status: q.get('status') ?? '', mode: q.get('mode') ?? '', sort: q.get('sort') ?? 'started', order: q.get('order') ?? 'desc' };
  const [data, setData] = useState<RunListResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const key = JSON.stringify(filters);
  const latest = useRef(key);
  latest.current = key;

  const load = () =>
    api.get<RunListResponse>(`/api/runs${query(filters)}`).then(
      (d) => {
        if (latest.current === key) {
          setData(d);
          setError(null);
        }
      },
      setError,
    );

  useEffect(() => {
    void load();
  }, [key]);

  // Live: any event refreshes the list (at most every 1.5 s); pending statistics poll until ready.
  useEffect(() => {
    const source = new EventSource('/api/stream');
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      timer ??= setTimeout(() => {
        timer = null;
        void load();
      }, 1500);
    };
    source.addEventListener('batch', refresh);
    return () => {
      source.close();
      if (timer) clearTimeout(timer);
    };
  }, [key]);
  useEffect(() => {
    if (!data?.runs.some((r) => r.statsPending || r.status === 'running')) return;
    const t = setTimeout(() => void load(), 2000);
    return () => clearTimeout(t);
  }, [data]);

  const sortBy = (column: string) => {
    const order = filters.sort === column && filters.order === 'desc' ? 'asc' : 'desc';
    patchQuery({ sort: column, order });
  };
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));

  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1>Runs</h1>
          <p class="muted">Every run in the store{data ? ` · ${fmt.int(data.total)} shown` : ''}. Click a run to open its live page.</p>
        </div>
        <div class="actions">
          <button type="button" class="btn" disabled={picked.length !== 2} onClick={() => navigate(`/compare${query({ base: picked[0], cand: picked[1] })}`)} data-testid="compare-picked">
            Compare selected ({picked.length}/2)
          </button>
          <a class="btn btn-primary" href="/launch">Launch a run</a>
        </div>
      </div>
      <ProcessesPanel />
      <div class="filters">
        <input type="search" placeholder="Search name, id or best variant" value={filters.q} onInput={(e) => patchQuery({ q: (e.target as HTMLInputElement).value })} aria-label="Search runs" />
        <select value={filters.status} onChange={(e) => patchQuery({ status: (e.target as HTMLSelectElement).value })} aria-label="Status">
          <option value="">Any status</option>
          {['running', 'completed', 'failed', 'interrupted', 'killed'].map((s) => <option value={s}>{s}</option>)}
        </select>
        <select value={filters.mode} onChange={(e) => patchQuery({ mode: (e.target as HTMLSelectElement).value })} aria-label="Mode">
          <option value="">Any mode</option>
          <option value="grid">grid</option>
          <option value="adaptive">adaptive</option>
          <option value="continuous">continuous</option>
        </select>
      </div>
      {error !== null && <ErrorBox error={error} retry={() => void load()} />}
      {!data && error === null && <Loading />}
      {data && data.runs.length === 0 && (
        <Empty title={data.total === 0 && !filters.q && !filters.status && !filters.mode ? 'No runs yet' : 'No run matches these filters'}>
          Start one from the <a href="/launch">Launch</a> page, or in a terminal: <code>metaorch run experiment.yaml</code>
        </Empty>
      )}
      {data && data.runs.length > 0 && (
        <div class="table-wrap card">
          <table class="table runs" data-testid="runs-table">
            <thead>
              <tr>
                <th class="pick" aria-label="Pick to compare" />
                {COLUMNS.map(([k, label, numeric]) => (
                  <th class={numeric ? 'num sortable' : 'sortable'} aria-sort={filters.sort === k ? (filters.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
                    <button type="button" class="linklike" onClick={() => sortBy(k)}>
                      {label}
                      {filters.sort === k ? (filters.order === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{data.runs.map((r) => <RunLine key={r.id} run={r} picked={picked.includes(r.id)} onPick={() => toggle(r.id)} />)}</tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function RunLine({ run: r, picked, onPick }: { run: RunRow; picked: boolean; onPick: () => void }) {
  const href = `/${r.mode === 'workflow' ? 'workflows' : 'runs'}/${encodeURIComponent(r.id)}`;
  return (
    <tr data-run={r.id} class={picked ? 'picked' : ''}>
      <td class="pick">
        <input type="checkbox" checked={picked} onChange={onPick} aria-label={`Pick ${r.id} to compare`} />
      </td>
      <td>
        <a href={href} class="run-name">{r.name}</a>
        <div class="mono muted small">{r.id}</div>
      </td>
      <td>{r.mode}</td>
      <td>
        <StatusPill status={r.status} />
        {r.stopReason && r.stopReason !== 'done' && r.stopReason !== r.status && <div class="muted small">{r.stopReason}</div>}
      </td>
      <td title={dateTime(r.startedAt)}>
        {ago(r.startedAt)}
        <div class="muted small">{r.status === 'running' ? 'running' : duration(r.activeMs)}</div>
      </td>
      <td class="num">
        {fmt.int(r.finished)}
        {r.planned ? <span class="muted"> / {fmt.int(r.planned)}</span> : null}
        {r.errors > 0 && <div class="bad small">{fmt.int(r.errors)} error{r.errors === 1 ? '' : 's'}</div>}
      </td>
      <td>
        {r.statsPending ? <span class="muted">computing…</span> : r.best ? (
          <>
            <strong>{r.best.id}</strong> <span class="muted">· {fmt.score(r.best.meanScore)}</span>
            {r.winner && r.winner.id === r.best.id && (
              <div class={`small ${r.winner.known ? 'good' : 'muted'}`} data-testid="winner-known" title={r.winner.text}>{r.winner.known ? 'known' : 'not yet known'}</div>
            )}
          </>
        ) : <span class="muted">–</span>}
      </td>
      <td class="num">{r.cost === null ? '…' : fmt.usd(r.cost)}</td>
    </tr>
  );
}
