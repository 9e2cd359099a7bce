/**
 * A workflow run: its phase tree (each step's status, runtime, attempts, confidence, cost, tokens),
 * review notes, pending approvals with Approve / Reject buttons, escalations and voters' dissent.
 * Refreshed every second while the workflow can still change.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApprovalResponse, WorkflowResponse } from '../../../src/server/api-types.js';
import type { StepView } from '../../../src/workflows/view.js';
import { api, ApiFailure, getToken, setToken } from '../api.js';
import { ErrorBox, Loading, Section, Stat } from '../components/ui.js';
import { dateTime, duration, fmt, timeOfDay } from '../format.js';
import type { Route } from '../route.js';

const MARK: Record<string, string> = { done: '✓', running: '●', pending: '○', 'not started': '·', failed: '✗', 'awaiting-approval': '‖' };

export function WorkflowPage({ runId }: { runId: string; route: Route }) {
  const [view, setView] = useState<WorkflowResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const reload = () => setTick((t) => t + 1);
  useEffect(() => {
    let stop = false;
    api.get<WorkflowResponse>(`/api/workflows/${encodeURIComponent(runId)}`).then(
      (v) => {
        if (stop) return;
        setView(v);
        setError(null);
      },
      (e: unknown) => !stop && setError(e),
    );
    return () => {
      stop = true;
    };
  }, [runId, tick]);
  const active = view === null || view.status === 'running' || view.processAlive || view.approvals.length > 0;
  useEffect(() => {
    if (!active) return;
    const t = setInterval(reload, 1000);
    return () => clearInterval(t);
  }, [active]);
  if (error !== null && view === null) return <div class="page"><ErrorBox error={error} retry={reload} /><p><a href="/">Back to all runs</a></p></div>;
  if (!view) return <div class="page"><Loading label="Loading the workflow…" /></div>;
  const t = view.totals;
  return (
    <div class="page" data-testid="workflow-page" data-status={view.status}>
      <header class="card run-header">
        <div class="run-title">
          <div>
            <h1>
              {view.name} <span class={`pill pill-wf-${view.status}`} data-testid="workflow-status">{view.status}</span>
            </h1>
            <div class="muted small">
              <span class="mono">{view.runId}</span> · workflow · started {dateTime(view.createdAt)} · updated {timeOfDay(view.updatedAt)}
              {view.processAlive ? ' · running now' : ''} · <a href={`/runs/${encodeURIComponent(view.runId)}`}>trials and report</a>
            </div>
            {view.message && <div class={view.status === 'failed' ? 'error-box' : 'muted'} data-testid="workflow-message">{view.message}</div>}
          </div>
        </div>
        <div class="stats">
          <Stat label="Agent calls" value={fmt.int(t.calls)} sub={`briefs ${fmt.int(t.contextTokens)} tokens`} />
          <Stat label="Cost" value={t.costUnknown && t.cost === 0 ? 'unknown' : fmt.usd(t.cost)} sub={t.costUnknown ? 'some calls reported no cost' : 'all calls priced'} />
          <Stat label="Tokens" value={`${fmt.int(t.tokensIn)} / ${fmt.int(t.tokensOut)}`} sub={t.tokensUnknown ? 'in / out · some unknown' : 'in / out'} />
          <Stat label="Consensus latency" value={view.votes.count ? fmt.ms(view.votes.latencyP50Ms) : '–'} sub={view.votes.count ? `p50 · p95 ${fmt.ms(view.votes.latencyP95Ms)} · ${view.votes.count} vote(s)` : 'no vote yet'} />
          <Stat label="Work folder" value={<span class="mono small">{view.workdir}</span>} />
        </div>
      </header>
      {error !== null && <ErrorBox error={error} retry={reload} />}
      {view.approvals.length > 0 && (
        <Section title={`Waiting for approval (${view.approvals.length})`} aside={<span class="muted small">an answer resumes the workflow; a rejection's note goes back to the step that produced the work</span>}>
          <div data-testid="approvals">
            {view.approvals.map((a) => <Approval key={`${a.instance}@${a.since}`} runId={view.runId} approval={a} onAnswered={reload} />)}
          </div>
        </Section>
      )}
      <Section title="Phases and steps" aside={<span class="muted small">status · runtime · calls · confidence · cost · tokens</span>}>
        <div class="wf-tree" data-testid="phase-tree">
          {view.phases.map((p) => (
            <div class="wf-phase" data-phase={p.id} data-status={p.status}>
              <div class="wf-phase-title"><span class={`wf-mark wf-${p.status}`}>{MARK[p.status] ?? '·'}</span> <strong>{p.title}</strong> <span class="muted small">{p.status}</span></div>
              {p.exit.map((e) => <div class={e.met ? 'wf-exit muted small' : 'wf-exit bad small'}>exit: {e.text} — {e.met ? 'met' : 'not met'} ({e.detail})</div>)}
              {p.steps.map((s) => <StepRow step={s} depth={1} />)}
            </div>
          ))}
        </div>
      </Section>
      {view.escalations.length > 0 && (
        <Section title="Escalations">
          <ul class="decisions" data-testid="escalations">
            {view.escalations.map((e) => <li><span class="muted mono">{timeOfDay(e.at)}</span> <span class="chip">{e.kind}</span> <span class="mono">{e.target}</span>: {e.reason}</li>)}
          </ul>
        </Section>
      )}
      {view.voters.length > 0 && (
        <Section title="Voters" aside={<span class="muted small">ballots against the winner, this and earlier runs</span>}>
          <table class="table" data-testid="voters">
            <thead><tr><th>voter</th><th class="num">ballots</th><th class="num">against</th><th class="num">dissent</th><th /></tr></thead>
            <tbody>
              {view.voters.map((d) => <tr><td>{d.voter}</td><td class="num">{fmt.int(d.ballots)}</td><td class="num">{fmt.int(d.against)}</td><td class="num">{fmt.pct(d.rate, 0)}</td><td>{d.persistent ? <span class="chip bad">persistent dissenter</span> : ''}</td></tr>)}
            </tbody>
          </table>
        </Section>
      )}
    </div>
  );
}

function StepRow({ step, depth }: { step: StepView; depth: number }) {
  const [open, setOpen] = useState(false);
  const facts: string[] = [];
  if (step.kind !== 'item') facts.push(step.kind);
  if (step.runtime) facts.push(step.runtime);
  if (step.attempts) facts.push(`${step.attempts} call${step.attempts === 1 ? '' : 's'}${step.failures ? `, ${step.failures} failed` : ''}`);
  if (step.confidence !== null) facts.push(`confidence ${step.confidence.toFixed(2)}`);
  if (step.attempts && step.kind !== 'check') facts.push(step.costUnknown && step.cost === 0 ? 'cost unknown' : `${fmt.usd(step.cost)}${step.costUnknown ? '+?' : ''}`);
  if (step.attempts && step.kind !== 'check') facts.push(step.tokensUnknown && !step.tokensIn && !step.tokensOut ? 'tokens unknown' : `${fmt.int(step.tokensIn)}/${fmt.int(step.tokensOut)} tok`);
  if (step.userModified) facts.push('user_modified');
  const details = step.reviews.length > 0 || step.knowledge.length > 0 || step.vote !== null || step.error !== null;
  return (
    <div class="wf-step" style={{ marginLeft: `${depth * 18}px` }} data-step={step.id} data-status={step.status}>
      <div class="wf-step-line">
        <span class={`wf-mark wf-${step.status.replace(' ', '-')}`} title={step.status}>{MARK[step.status] ?? '·'}</span>
        <span class="mono">{step.id}</span>
        <span class="muted small">{step.title !== step.id ? step.title : ''}</span>
        <span class="wf-facts small">{facts.join(' · ')}</span>
        {step.output && <span class="wf-output small">→ {step.output}</span>}
        {details && <button type="button" class="btn btn-small" onClick={() => setOpen(!open)} data-testid={`details-${step.id}`}>{open ? 'hide' : step.reviews.length ? `review notes (${step.reviews.length})` : 'details'}</button>}
      </div>
      {open && (
        <div class="wf-details small">
          {step.error && <div class="bad">error: {step.error}</div>}
          {step.reviews.map((r) => (
            <div class="wf-review" data-testid="review-note">
              <strong>Round {r.round}: {r.score.toFixed(2)}</strong> <span class="muted">by {r.runtime}</span>
              <pre class="text">{r.notes || '(no notes)'}</pre>
            </div>
          ))}
          {step.knowledge.length > 0 && <div class="muted">knowledge: {step.knowledge.join('; ')}</div>}
          {step.vote && (
            <div>
              ballots: {step.vote.ballots.map((b) => `${b.voter}=${b.choice}`).join(', ')} · threshold {fmt.pct(step.vote.threshold, 0)}
              {step.vote.latencyMs !== null ? ` · decided in ${duration(step.vote.latencyMs)} (${step.vote.reason})` : ''}
            </div>
          )}
        </div>
      )}
      {step.children.map((c) => <StepRow step={c} depth={depth + 1} />)}
    </div>
  );
}

function Approval({ runId, approval, onAnswered }: { runId: string; approval: WorkflowResponse['approvals'][number]; onAnswered: () => void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<ApprovalResponse | null>(null);
  const [needToken, setNeedToken] = useState(getToken() === null);
  const answer = async (decision: 'approve' | 'reject') => {
    if (decision === 'reject' && !note.trim()) {
      setError(new Error('A rejection needs a note: it goes back to the step that produced the work.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setDone(await api.post<ApprovalResponse>(`/api/workflows/${encodeURIComponent(runId)}/approvals/${encodeURIComponent(approval.instance)}`, { decision, note }));
      onAnswered();
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) setNeedToken(true);
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="wf-approval" data-approval={approval.instance}>
      <div>
        <strong class="mono">{approval.instance}</strong> {approval.title} <span class="muted small">waiting since {timeOfDay(approval.since)}</span>
        {approval.artifact && <span class="muted small"> · review <span class="mono">{approval.artifact}</span> in the work folder</span>}
      </div>
      {needToken && (
        <form class="token-form" onSubmit={(e) => { e.preventDefault(); const v = (e.currentTarget.elements.namedItem('token') as HTMLInputElement).value.trim(); setToken(v || null); setNeedToken(false); }}>
          <input name="token" placeholder="paste the token metaorch serve printed" aria-label="Token" />
          <button class="btn btn-small" type="submit">Use token</button>
        </form>
      )}
      {done ? (
        <div class="ok-box" data-testid="answered">{done.decision === 'approve' ? 'Approved' : 'Rejected'}: {done.appliedBy === 'running' ? 'the running workflow applies it.' : `the workflow resumes (process ${done.pid}).`}</div>
      ) : (
        <div class="actions">
          <input class="wf-note" value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} placeholder="note (required to reject)" aria-label={`Note for ${approval.instance}`} data-testid={`note-${approval.instance}`} />
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void answer('approve')} data-testid={`approve-${approval.instance}`}>Approve</button>
          <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void answer('reject')} data-testid={`reject-${approval.instance}`}>Reject</button>
        </div>
      )}
      {error !== null && <ErrorBox error={error} />}
    </div>
  );
}

