/**
 * Topic mode: the form (topic, producers, iterations, requests, batch, variants) starts a topic on the
 * orchestrator's producers (a new topic stops the previous one); the page then follows the run's
 * `topic` and `policy` events: the live item stream, per-variant uniqueness and weights over time,
 * and the discovery curve (unique items over requests); and GET /api/runs/:id/topic: each variant's
 * trends with their confidence bands and the share of weight changes that raised the unique rate.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { EventsResponse, LaunchResponse, TopicStatsResponse } from '../../../src/server/api-types.js';
import { api, ApiFailure } from '../api.js';
import { Chart } from '../components/chart.js';
import { effectivenessText, TopicTrends } from '../components/topic-trends.js';
import { ErrorBox, Section, Stat } from '../components/ui.js';
import { colorOf } from '../format.js';
import { patchQuery, type Route } from '../route.js';

interface TopicEventData {
  seq: number | null;
  variant: string | null;
  returned: number;
  new: { n: number; text: string }[];
  recovered?: boolean;
}

interface PolicyEventData {
  finished: number;
  variants: string[];
  probabilities?: number[];
}

/** What the page derives from the run's events. */
interface TopicView {
  items: { n: number; text: string; variant: string | null }[];
  requests: number;
  curve: { x: number[]; y: number[] };
  variants: Map<string, { calls: number; returned: number; fresh: number; ratio: (number | null)[] }>;
  weights: { x: number[]; variants: string[]; ys: number[][] };
}

function emptyView(): TopicView {
  return { items: [], requests: 0, curve: { x: [], y: [] }, variants: new Map(), weights: { x: [], variants: [], ys: [] } };
}

export function TopicPage({ route }: { route: Route }) {
  const runId = route.query.get('run');
  return (
    <div class="page">
      <h1>Topic</h1>
      <TopicForm />
      {runId ? <TopicRun key={runId} runId={runId} /> : null}
    </div>
  );
}

function TopicForm() {
  const [topic, setTopic] = useState('');
  const [producers, setProducers] = useState('2');
  const [iterations, setIterations] = useState('');
  const [maxRequests, setMaxRequests] = useState('200');
  const [batch, setBatch] = useState('10');
  const [variants, setVariants] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<LaunchResponse>('/api/topic', { topic, producers, iterations, maxRequests, batch, variants });
      patchQuery({ run: r.runId }, false);
    } catch (err) {
      setError(err instanceof ApiFailure ? `${err.message}${err.issues.length ? `: ${err.issues.map((i) => i.message).join('; ')}` : ''}` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="topic-form" data-testid="topic-form" onSubmit={(e) => void submit(e)}>
      <label>Topic <input name="topic" value={topic} onInput={(e) => setTopic((e.target as HTMLInputElement).value)} placeholder="Paris attractions" /></label>
      <label>Producers <input name="producers" type="number" min="1" value={producers} onInput={(e) => setProducers((e.target as HTMLInputElement).value)} /></label>
      <label>Iterations <input name="iterations" type="number" min="1" value={iterations} onInput={(e) => setIterations((e.target as HTMLInputElement).value)} placeholder="per producer" /></label>
      <label>Requests <input name="maxRequests" type="number" min="1" value={maxRequests} onInput={(e) => setMaxRequests((e.target as HTMLInputElement).value)} /></label>
      <label>Batch <input name="batch" type="number" value={batch} onInput={(e) => setBatch((e.target as HTMLInputElement).value)} /></label>
      <label>Variants (YAML list; empty: three mock vocabularies)
        <textarea name="variants" rows={4} value={variants} onInput={(e) => setVariants((e.target as HTMLTextAreaElement).value)} />
      </label>
      <button type="submit" disabled={busy}>{busy ? 'Starting…' : 'Start topic'}</button>
      {error ? <div class="error-box" data-testid="topic-error">{error}</div> : null}
    </form>
  );
}

function TopicRun({ runId }: { runId: string }) {
  const [view, setView] = useState<TopicView>(emptyView);
  const [error, setError] = useState<unknown>(null);
  const stats = useTopicStats(runId);
  useEffect(() => {
    let after = 0;
    let stopped = false;
    const acc = emptyView();
    const poll = async () => {
      try {
        for (;;) {
          const page = await api.get<EventsResponse>(`/api/runs/${encodeURIComponent(runId)}/events?types=topic,policy&limit=1000&after=${after}`);
          for (const e of page.events) {
            after = e.seq;
            if (e.type === 'topic') absorbTopic(acc, e.data as TopicEventData);
            else absorbPolicy(acc, e.data as PolicyEventData);
          }
          if (page.next === null) break;
        }
        // Fresh arrays each time: the charts update when their data's identity changes.
        if (!stopped) {
          setView({
            ...acc, items: acc.items.slice(-500), curve: { x: [...acc.curve.x], y: [...acc.curve.y] },
            variants: new Map([...acc.variants].map(([k, v]) => [k, { ...v, ratio: [...v.ratio] }])),
            weights: { x: [...acc.weights.x], variants: acc.weights.variants, ys: acc.weights.ys.map((y) => [...y]) },
          });
        }
      } catch (err) {
        if (!stopped) setError(err);
      }
      if (!stopped) timer = setTimeout(() => void poll(), 700);
    };
    let timer = setTimeout(() => void poll(), 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId]);
  // One color per variant across the charts: the policy's order once known, else order of appearance.
  const variants = [...new Set([...view.weights.variants, ...view.variants.keys()])].filter((v) => view.variants.has(v));
  const color = (v: string) => colorOf(Math.max(0, [...new Set([...view.weights.variants, ...view.variants.keys()])].indexOf(v)));
  const ratio = useMemo(() => {
    const x = view.curve.x;
    return { x, ys: variants.map((v) => x.map((_, i) => view.variants.get(v)!.ratio[i] ?? null)) };
  }, [view]);
  if (error) return <ErrorBox error={error} />;
  return (
    <div data-testid="topic-run">
      <div class="stats">
        <Stat label="Unique items" value={<span data-testid="topic-count">{view.curve.y.at(-1) ?? 0}</span>} />
        <Stat label="Requests" value={view.requests} />
        <Stat label="Weight changes" value={<span data-testid="topic-effectiveness">{stats ? effectivenessText(stats.effectiveness) : '–'}</span>} />
        <Stat label="Run" value={<a href={`/runs/${encodeURIComponent(runId)}`}>{runId}</a>} />
      </div>
      <Section title="Per variant">
        <table class="table" data-testid="topic-variants">
          <thead><tr><th>variant</th><th>calls</th><th>items returned</th><th>new</th><th>uniqueness</th><th>new/call</th><th>new/$</th><th>new/s</th><th>latency</th><th>success</th><th>cost</th></tr></thead>
          <tbody>
            {variants.map((v) => {
              const s = view.variants.get(v)!;
              // The event stream is the freshest; the statistics add what the events alone do not sum.
              const t = stats?.variants.find((x) => x.id === v)?.totals;
              return (
                <tr key={v}>
                  <td>{v}</td><td>{s.calls}</td><td>{s.returned}</td><td>{s.fresh}</td><td>{s.returned ? `${((s.fresh / s.returned) * 100).toFixed(1)}%` : '–'}</td>
                  <td>{fixed(t?.uniquePerCall, 2)}</td><td>{fixed(t?.uniquePerDollar, 0)}</td><td>{fixed(t?.uniquePerSecond, 1)}</td>
                  <td>{t?.meanLatencyMs != null ? `${Math.round(t.meanLatencyMs)} ms` : '–'}</td><td>{t?.successRate != null ? `${Math.round(t.successRate * 100)}%` : '–'}</td>
                  <td>{t && t.cost > 0 ? `$${t.cost.toPrecision(3)}` : '–'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Section>
      <Section title="Discovery curve (unique items over requests)">
        {/* Built once there is data: a uPlot chart created empty draws no axes. */}
        <Chart key={view.curve.x.length > 0 ? 'data' : 'empty'} testId="topic-discovery" x={view.curve.x} ys={[view.curve.y]} lines={[{ label: 'unique items', color: colorOf(0) }]} xLabel="requests" />
      </Section>
      <Section title="Uniqueness per variant (cumulative share of new items)">
        <Chart key={ratio.x.length > 0 ? 'data' : 'empty'} testId="topic-uniqueness" x={ratio.x} ys={ratio.ys} lines={variants.map((v) => ({ label: v, color: color(v) }))} yRange={[0, 1]} xLabel="requests" />
      </Section>
      {stats ? <TopicTrends stats={stats} color={color} /> : null}
      <Section title="Weights (the policy's choice probabilities)">
        <Chart key={view.weights.x.length > 0 ? 'data' : 'empty'} testId="topic-weights" x={view.weights.x} ys={view.weights.ys} lines={view.weights.variants.map((v) => ({ label: v, color: color(v) }))} yRange={[0, 1]} xLabel="requests" />
      </Section>
      <Section title="Items, newest first">
        <ol class="topic-items" data-testid="topic-items">
          {[...view.items].reverse().slice(0, 200).map((i) => <li key={i.n} value={i.n + 1}>{i.text} <span class="muted small">{i.variant ?? 'recovered'}</span></li>)}
        </ol>
      </Section>
    </div>
  );
}

/** The run's statistics with trends and bands (`GET /api/runs/:id/topic`), polled every 2 s. */
function useTopicStats(runId: string): TopicStatsResponse | null {
  const [stats, setStats] = useState<TopicStatsResponse | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const s = await api.get<TopicStatsResponse>(`/api/runs/${encodeURIComponent(runId)}/topic`);
        if (!stopped) setStats(s);
      } catch {
        // shown by the event stream's error box; the statistics try again
      }
      if (!stopped) timer = setTimeout(() => void poll(), 2000);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId]);
  return stats;
}

function fixed(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined ? '–' : x.toFixed(digits);
}

function absorbTopic(acc: TopicView, d: TopicEventData): void {
  for (const item of d.new) acc.items.push({ n: item.n, text: item.text, variant: d.variant });
  if (d.recovered || d.variant === null) return;
  acc.requests++;
  let s = acc.variants.get(d.variant);
  if (!s) acc.variants.set(d.variant, (s = { calls: 0, returned: 0, fresh: 0, ratio: [] }));
  s.calls++;
  s.returned += d.returned;
  s.fresh += d.new.length;
  acc.curve.x.push(acc.requests);
  acc.curve.y.push(acc.items.length);
  // Each variant's cumulative uniqueness, sampled at every request (carried forward between its calls).
  for (const t of acc.variants.values()) {
    while (t.ratio.length < acc.requests - 1) t.ratio.push(null);
    t.ratio.push(t.returned > 0 ? t.fresh / t.returned : null);
  }
}

function absorbPolicy(acc: TopicView, d: PolicyEventData): void {
  if (!d.probabilities) return;
  if (acc.weights.variants.length === 0) {
    acc.weights.variants = d.variants;
    acc.weights.ys = d.variants.map(() => []);
  }
  acc.weights.x.push(d.finished);
  d.probabilities.forEach((p, i) => acc.weights.ys[i]?.push(p));
}
