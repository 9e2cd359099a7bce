/** Every trial of a run, paged on the server (keyset on seq) and filtered by variant, status, score and text. */
import { useEffect, useState } from 'preact/hooks';
import type { TrialPage } from '../../../src/server/api-types.js';
import { api, query } from '../api.js';
import { colorOf, fmt, timeOfDay } from '../format.js';
import { patchQuery, type Route } from '../route.js';
import { Empty, ErrorBox, Loading, Section } from './ui.js';

export function TrialsBrowser({ runId, variants, route, onOpen }: { runId: string; variants: string[]; route: Route; onOpen: (seq: number) => void }) {
  const q = route.query;
  const f = { variant: q.get('variant') ?? '', status: q.get('status') ?? '', minScore: q.get('min') ?? '', maxScore: q.get('max') ?? '', q: q.get('q') ?? '', before: q.get('before') ?? '' };
  const [page, setPage] = useState<TrialPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [history, setHistory] = useState<string[]>([]);
  const key = JSON.stringify(f);
  useEffect(() => {
    setError(null);
    const t = setTimeout(() => {
      api.get<TrialPage>(`/api/runs/${encodeURIComponent(runId)}/trials${query({ ...f, limit: 50 })}`).then(setPage, setError);
    }, 150);
    return () => clearTimeout(t);
  }, [runId, key]);
  const set = (patch: Record<string, string>) => {
    setHistory([]);
    patchQuery({ ...patch, before: null });
  };
  return (
    <Section title="Trials" aside={page?.total !== null && page ? <span class="muted small">{fmt.int(page.total)} matching</span> : null}>
      <div class="filters">
        <select value={f.variant} onChange={(e) => set({ variant: (e.target as HTMLSelectElement).value })} aria-label="Variant">
          <option value="">All variants</option>
          {variants.map((v) => <option value={v}>{v}</option>)}
        </select>
        <select value={f.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })} aria-label="Status">
          <option value="">Any status</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
          <option value="scheduled">in flight / unfinished</option>
        </select>
        <label class="inline">score ≥ <input type="number" min="0" max="1" step="0.1" value={f.minScore} onInput={(e) => set({ min: (e.target as HTMLInputElement).value })} aria-label="Minimum score" /></label>
        <label class="inline">≤ <input type="number" min="0" max="1" step="0.1" value={f.maxScore} onInput={(e) => set({ max: (e.target as HTMLInputElement).value })} aria-label="Maximum score" /></label>
        <input type="search" placeholder="Search task, prompt, output, error" value={f.q} onInput={(e) => set({ q: (e.target as HTMLInputElement).value })} aria-label="Search trials" />
      </div>
      {error !== null && <ErrorBox error={error} />}
      {!page && error === null && <Loading />}
      {page && page.trials.length === 0 && <Empty title="No trial matches these filters" />}
      {page && page.trials.length > 0 && (
        <>
          <div class="table-wrap">
            <table class="table compact clickable" data-testid="trials-table">
              <thead>
                <tr><th class="num">#</th><th>Variant</th><th>Task</th><th>Status</th><th>Output</th><th class="num">Score</th><th class="num">Latency</th><th class="num">Attempts</th><th class="num">Cost</th><th>Finished</th></tr>
              </thead>
              <tbody>
                {page.trials.map((t) => (
                  <tr key={t.seq} onClick={() => onOpen(t.seq)} data-seq={t.seq} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && onOpen(t.seq)}>
                    <td class="num mono">{t.seq}</td>
                    <td><span class="dot" style={{ background: colorOf(Math.max(0, variants.indexOf(t.variantId))) }} />{t.variantId}</td>
                    <td class="mono small ellipsis">{t.taskId}</td>
                    <td class={t.status === 'error' ? 'bad' : ''}>{t.status === 'scheduled' ? 'in flight' : t.status}{t.errorKind ? ` · ${t.errorKind}` : ''}</td>
                    <td class="ellipsis output-preview">{t.outputPreview ?? ''}</td>
                    <td class={`num ${t.passed === false ? 'bad' : t.passed ? 'good' : ''}`}>{fmt.score(t.score)}</td>
                    <td class="num">{fmt.ms(t.latencyMs)}</td>
                    <td class="num">{t.attempts}</td>
                    <td class="num">{fmt.usd(t.cost)}</td>
                    <td class="muted small">{timeOfDay(t.finishedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="pager">
            <button type="button" class="btn btn-small" disabled={history.length === 0} onClick={() => {
              const prev = history.slice(0, -1);
              setHistory(prev);
              patchQuery({ before: history[history.length - 1] || null });
            }}>
              ← Newer
            </button>
            <button type="button" class="btn btn-small" disabled={page.next === null} onClick={() => {
              setHistory([...history, f.before]);
              patchQuery({ before: page.next });
            }}>
              Older →
            </button>
          </div>
        </>
      )}
    </Section>
  );
}
