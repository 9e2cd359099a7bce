/** The live page of a run: header with progress and stop, variant table, charts, in-flight, feed, log. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { LiveSnapshot, StopResponse, TrialBrief } from '../../../src/server/api-types.js';
import { api, ApiFailure, getToken, setToken } from '../api.js';
import { Chart, Legend } from '../components/chart.js';
import { DecisionsPanel, decisionMarkers } from '../components/decisions-panel.js';
import { Timeline } from '../components/timeline.js';
import { TrialDrawer } from '../components/trial-drawer.js';
import { TrialsBrowser } from '../components/trials-browser.js';
import { Empty, ErrorBox, Loading, Section, Stat, StatusPill, Tabs } from '../components/ui.js';
import { VariantTable } from '../components/variant-table.js';
import { colorOf, dateTime, duration, fmt, timeOfDay } from '../format.js';
import { useLiveRun, type LogEntry } from '../live-data.js';
import { patchQuery, type Route } from '../route.js';

type Tab = 'overview' | 'trials' | 'config';

export function LivePage({ runId, route }: { runId: string; route: Route }) {
  const live = useLiveRun(runId);
  const tab = (route.query.get('tab') as Tab | null) ?? 'overview';
  const trial = route.query.get('trial');
  const openTrial = (seq: number) => patchQuery({ trial: seq }, false);
  const closeTrial = () => patchQuery({ trial: null });
  const [now, setNow] = useState(Date.now());
  const running = live.snap?.run.status === 'running';
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [running]);

  if (live.error !== null) {
    return (
      <div class="page">
        <ErrorBox error={live.error} retry={live.reload} />
        <p><a href="/">Back to all runs</a></p>
      </div>
    );
  }
  if (!live.snap) return <div class="page"><Loading label="Loading the run (large runs take a few seconds the first time)…" /></div>;
  const snap = live.snap;
  const variants = snap.variants.map((v) => v.id);
  return (
    <div class="page" data-testid="live-page" data-seq={live.seq}>
      <RunHeader snap={snap} connected={live.connected} now={now} />
      <Tabs<Tab>
        tabs={[['overview', 'Overview'], ['trials', `Trials (${fmt.int(snap.run.finished)})`], ['config', 'Config']]}
        value={tab}
        onChange={(t) => patchQuery({ tab: t === 'overview' ? null : t }, false)}
      />
      {tab === 'overview' && (
        <>
          <Section title="Variants" aside={<span class="muted small">mean score: {snap.intervals.meanScore.split(' (')[0]}; pass rate: Wilson 95%</span>}>
            {snap.variants.length === 0 ? <Empty title="No variants" /> : <VariantTable variants={snap.variants} best={snap.best} winner={snap.winner} onVariant={(v) => patchQuery({ tab: 'trials', variant: v }, false)} />}
          </Section>
          {snap.topErrors.length > 0 && <ErrorsSection snap={snap} />}
          <Charts snap={snap} />
          <Section title={`In flight${running ? ` · ${fmt.int(snap.run.inFlight)} now` : ''}`} aside={<span class="muted small">solid bars are in flight, faded ones finished</span>}>
            {running || snap.inflight.length ? (
              <Timeline inflight={snap.inflight} recent={live.feed} variants={variants} now={now} />
            ) : (
              <Empty title="Nothing in flight">The run is {snap.run.status}.</Empty>
            )}
          </Section>
          <div class="grid-2 feed-log">
            <Section title="Live trial feed" aside={<span class="muted small">newest first · click a trial for details</span>}>
              <Feed trials={live.feed} variants={variants} onOpen={openTrial} />
            </Section>
            <Section title="Log">
              <LogView entries={live.log} launchedHere={snap.launchedHere} />
            </Section>
          </div>
          {(snap.decisions.decisions.length > 0 || snap.decisions.summary) && <DecisionsPanel response={snap.decisions} />}
        </>
      )}
      {tab === 'trials' && <TrialsBrowser runId={runId} variants={variants} route={route} onOpen={openTrial} />}
      {tab === 'config' && (
        <Section title="Configuration" aside={<span class="muted small">as validated when the run started; environment references stay references</span>}>
          <pre class="text config">{JSON.stringify(snap.config, null, 2)}</pre>
        </Section>
      )}
      {trial !== null && <TrialDrawer runId={runId} seq={Number(trial)} onClose={closeTrial} />}
    </div>
  );
}

function RunHeader({ snap, connected, now }: { snap: LiveSnapshot; connected: boolean; now: number }) {
  const r = snap.run;
  const running = r.status === 'running';
  const target = r.planned ?? r.budget.trials ?? null;
  const progress = target ? Math.min(1, r.finished / target) : null;
  const elapsed = running && r.startedAt ? Math.max(r.elapsedMs, now - r.startedAt) : r.elapsedMs;
  return (
    <header class="card run-header" data-testid="run-header">
      <div class="run-title">
        <div>
          <h1>
            {r.name} <StatusPill status={r.status} />
          </h1>
          <div class="muted small">
            <span class="mono">{r.id}</span> · {r.mode}{r.mode === 'workflow' && <> (<a href={`/workflows/${encodeURIComponent(r.id)}`}>phase tree and approvals</a>)</>} · started {dateTime(r.startedAt)}
            {r.stopReason && r.stopReason !== 'done' && r.stopReason !== r.status ? ` · stopped: ${r.stopReason}` : ''}
            {running && <span class={connected ? 'live-dot on' : 'live-dot'}>{connected ? ' · live' : ' · reconnecting…'}</span>}
          </div>
        </div>
        {running && <StopButton runId={r.id} />}
      </div>
      <div class="progress" aria-label="progress">
        <div class={`progress-bar ${running ? 'active' : ''}`} style={{ width: `${(progress ?? (running ? 0 : 1)) * 100}%` }} />
      </div>
      <div class="stats">
        <Stat label="Trials" value={<span data-testid="finished-count">{fmt.int(r.finished)}</span>} sub={target ? `of ${fmt.int(target)} · ${fmt.pct(progress)}` : 'no trial limit'} />
        <Stat label="Errors" value={fmt.int(r.errors)} sub={r.finished ? `${fmt.pct(r.errors / r.finished)} of trials` : '–'} />
        <Stat label="Cost" value={fmt.usd(r.cost)} sub={r.budget.cost !== undefined ? `budget ${fmt.usd(r.budget.cost)}` : 'no cost budget'} />
        <Stat label="Elapsed" value={duration(elapsed)} sub={r.budget.time !== undefined ? `budget ${duration(r.budget.time)}` : 'no time budget'} />
        <Stat label="Rate" value={r.rate ? `${r.rate >= 10 ? fmt.int(Math.round(r.rate)) : r.rate.toFixed(1)}/s` : '–'} sub={running ? `${fmt.int(r.inFlight)} in flight` : 'finished'} />
        <Stat label="ETA" value={running ? duration(r.etaMs) : '–'} sub={running ? 'at the current rate' : r.finishedAt ? `ended ${timeOfDay(r.finishedAt)}` : ''} />
      </div>
    </header>
  );
}

function StopButton({ runId }: { runId: string }) {
  const [state, setState] = useState<'idle' | 'busy' | 'stopping' | 'cancelling'>('idle');
  const [message, setMessage] = useState<string | null>(null);
  const [askToken, setAskToken] = useState(false);
  const tokenInput = useRef<HTMLInputElement>(null);
  const stop = async () => {
    if (!getToken()) return setAskToken(true);
    setState('busy');
    try {
      const r = await api.post<StopResponse>(`/api/runs/${encodeURIComponent(runId)}/stop`, {});
      setState(r.state);
      setMessage(r.message);
    } catch (e) {
      setState('idle');
      if (e instanceof ApiFailure && e.status === 401) setAskToken(true);
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div class="stop">
      <button type="button" class="btn btn-danger" disabled={state === 'busy' || state === 'cancelling'} onClick={() => void stop()} data-testid="stop-button">
        {state === 'stopping' ? 'Cancel in-flight trials' : state === 'cancelling' ? 'Cancelling…' : 'Stop run'}
      </button>
      {askToken && (
        <form
          class="token-form"
          onSubmit={(e) => {
            e.preventDefault();
            setToken(tokenInput.current?.value.trim() || null);
            setAskToken(false);
            void stop();
          }}
        >
          <input ref={tokenInput} placeholder="token printed by metaorch serve" aria-label="Token" />
          <button class="btn btn-small" type="submit">Use token</button>
        </form>
      )}
      {message && <div class="small muted stop-message">{message}</div>}
    </div>
  );
}

function Charts({ snap }: { snap: LiveSnapshot }) {
  const s = snap.series;
  const colors = s.variants.map((_, i) => colorOf(i));
  const score = useMemo(() => {
    const ys: (number | null)[][] = [];
    const lines = [];
    const bands = [];
    for (const [i, v] of s.variants.entries()) {
      ys.push(v.mean, v.high, v.low);
      lines.push({ label: v.id, color: colors[i]! }, { label: `${v.id} high`, color: colors[i]!, hidden: true }, { label: `${v.id} low`, color: colors[i]!, hidden: true });
      bands.push({ upper: i * 3 + 1, lower: i * 3 + 2, fill: `${colors[i]}22` });
    }
    return { ys, lines, bands };
  }, [s]);
  const allocation = useMemo(() => {
    const ys: number[][] = [];
    let acc = s.x.map(() => 0);
    for (const v of s.variants) {
      acc = acc.map((a, j) => Math.round((a + (v.share[j] ?? 0)) * 10_000) / 10_000);
      ys.push(acc);
    }
    const lines = s.variants.map((v, i) => ({ label: v.id, color: colors[i]!, width: 1 }));
    const bands = s.variants.map((_, i) => ({ upper: i, lower: i - 1, fill: `${colors[i]}99` })).filter((b) => b.lower >= 0);
    if (lines[0]) lines[0] = { ...lines[0], fill: `${colors[0]}99` } as typeof lines[0];
    return { ys, lines, bands };
  }, [s]);
  const latency = useMemo(() => ({ ys: s.variants.map((v) => v.latency), lines: s.variants.map((v, i) => ({ label: v.id, color: colors[i]!, width: 1.5 })) }), [s]);
  const legend = s.variants.map((v, i) => ({ label: v.id, color: colors[i]! }));
  const markers = useMemo(() => decisionMarkers(snap.decisions.decisions), [snap.decisions]);
  if (s.x.length === 0) {
    return (
      <Section title="Charts">
        <Empty title="No finished trials yet">The charts start with the first finished trial.</Empty>
      </Section>
    );
  }
  const per = s.bucketSize > 1 ? ` · one point per ${fmt.int(s.bucketSize)} trials` : '';
  const adaptive = snap.run.mode !== 'grid' || snap.policy !== null;
  const latencyChart = (
    <Section title="Latency" aside={<span class="muted small">mean of successful trials per point{per}</span>}>
      <Chart x={s.x} ys={latency.ys} lines={latency.lines} yFormat={(v) => (v >= 1000 ? `${+(v / 1000).toFixed(1)}s` : `${+v.toFixed(1)}ms`)} xLabel="trial #" height={160} testId="latency-chart" markers={markers} />
    </Section>
  );
  return (
    <>
      <div class="grid-2">
        <Section title="Score over trials" aside={<span class="muted small">cumulative mean, 95% band{per}</span>}>
          <Legend items={legend} />
          <Chart x={s.x} ys={score.ys} lines={score.lines} bands={score.bands} yRange={[0, 1]} yFormat={(v) => v.toFixed(2)} xLabel="trial #" testId="score-chart" markers={markers} />
        </Section>
        <Section title="Allocation" aside={<span class="muted small">each variant's share of recent trials{adaptive ? ' · the policy at work' : ' · fixed by the grid'}</span>}>
          <Legend items={legend} />
          <Chart x={s.x} ys={allocation.ys} lines={allocation.lines} bands={allocation.bands} yRange={[0, 1]} yFormat={(v) => `${Math.round(v * 100)}%`} xLabel="trial #" testId="allocation-chart" markers={markers} />
        </Section>
      </div>
      {adaptive ? (
        <div class="grid-2">
          {latencyChart}
          <Section title="Policy" aside={<span class="muted small">{snap.policy ? `latest snapshot, after ${fmt.int(snap.policy.finished ?? 0)} trials` : 'adaptive run'}</span>}>
            {snap.policy ? (
              <table class="table compact" data-testid="policy-table">
                <thead><tr><th>Variant</th><th class="num">P(best)</th><th class="num">Chance of being chosen next</th></tr></thead>
                <tbody>
                  {snap.variants.map((v, i) => (
                    <tr key={v.id}><td><span class="dot" style={{ background: colorOf(i) }} />{v.id}</td><td class="num">{fmt.pct(v.probBest)}</td><td class="num">{fmt.pct(v.allocation)}</td></tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty title="No policy snapshot yet">Snapshots appear as the policy learns.</Empty>
            )}
          </Section>
        </div>
      ) : (
        latencyChart
      )}
    </>
  );
}

/** The most frequent error messages, with what to check: why trials fail, not only how many. */
function ErrorsSection({ snap }: { snap: LiveSnapshot }) {
  return (
    <Section title={`Most frequent errors · ${fmt.int(snap.run.errors)} in all`} aside={<span class="muted small">the same list as summary.md and the end of metaorch run</span>}>
      <table class="table compact" data-testid="top-errors">
        <thead><tr><th class="num">Count</th><th>Kind</th><th>Variants</th><th>Message</th></tr></thead>
        <tbody>
          {snap.topErrors.map((e) => (
            <tr key={e.message}>
              <td class="num">{fmt.int(e.count)}</td>
              <td><span class="chip">{e.kind}</span></td>
              <td class="small">{Object.entries(e.variants).sort((a, b) => b[1] - a[1]).map(([id, n]) => `${id} ${fmt.int(n)}`).join(', ')}</td>
              <td>
                <div class="mono small error-message">{e.message}</div>
                {e.hint && <div class="small error-hint" data-testid="error-hint">Check: {e.hint}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {snap.otherErrors > 0 && <p class="muted small">… and {fmt.int(snap.otherErrors)} other error{snap.otherErrors === 1 ? '' : 's'}.</p>}
    </Section>
  );
}

function Feed({ trials, variants, onOpen }: { trials: TrialBrief[]; variants: string[]; onOpen: (seq: number) => void }) {
  if (trials.length === 0) return <Empty title="No finished trial yet" />;
  return (
    <div class="feed" data-testid="feed">
      <table class="table compact clickable">
        <thead><tr><th class="num">#</th><th>Variant</th><th>Task</th><th>Output</th><th class="num">Score</th><th class="num">Latency</th></tr></thead>
        <tbody>
          {trials.slice(0, 50).map((t) => (
            <tr key={t.seq} onClick={() => onOpen(t.seq)} data-seq={t.seq} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && onOpen(t.seq)}>
              <td class="num mono">{t.seq}</td>
              <td><span class="dot" style={{ background: colorOf(Math.max(0, variants.indexOf(t.variantId))) }} />{t.variantId}</td>
              <td class="mono small ellipsis">{t.taskId}</td>
              <td class="ellipsis output-preview">{t.status === 'error' ? <span class="bad">{t.errorKind ?? 'error'}</span> : t.outputPreview}</td>
              <td class={`num ${t.passed === false ? 'bad' : t.passed ? 'good' : ''}`}>{fmt.score(t.score)}</td>
              <td class="num">{fmt.ms(t.latencyMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LogView({ entries, launchedHere }: { entries: LogEntry[]; launchedHere: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries.length]);
  return (
    <div class="log" ref={box} data-testid="log">
      {entries.length === 0 && <div class="muted">No log lines yet.</div>}
      {entries.map((e) => (
        <div class={`log-line log-${e.kind}`}>
          <span class="muted">{timeOfDay(e.ts)}</span> {e.text}
        </div>
      ))}
      {!launchedHere && <div class="muted small log-note">Run status events are shown; console output appears here for runs launched from this dashboard.</div>}
    </div>
  );
}
