/** The phase tree of `metaorch workflow status` (and the end of `run`/`resume`) as text. */
import { fmt } from '../report/format.js';
import type { StepView, WorkflowView } from '../workflows/view.js';

const MARK: Record<string, string> = {
  done: '✓', running: '●', pending: '○', 'not started': '·', failed: '✗', 'awaiting-approval': '⏸',
};

/**
 * @example
 * console.log(renderWorkflowStatus(workflowView(plan, state)));
 */
export function renderWorkflowStatus(v: WorkflowView, opts: { notes?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`Workflow ${v.name} · run ${v.runId} · ${v.status}${v.message ? `: ${v.message}` : ''}`);
  lines.push(`  document ${v.file}`);
  lines.push(`  work folder ${v.workdir}`);
  const t = v.totals;
  lines.push(`  ${fmt.int(t.calls)} agent call(s) · ${costText(t.cost, t.costUnknown)} · ${tokensText(t.tokensIn, t.tokensOut, t.tokensUnknown)} tokens · briefs ${fmt.int(t.contextTokens)} tokens` +
    (v.votes.count ? ` · consensus latency p50 ${fmt.ms(v.votes.latencyP50Ms)}, p95 ${fmt.ms(v.votes.latencyP95Ms)}` : ''));
  lines.push('');
  for (const phase of v.phases) {
    lines.push(`${MARK[phase.status] ?? '·'} ${phase.title} (${phase.status})`);
    for (const e of phase.exit) lines.push(`    exit: ${e.text}: ${e.met ? 'met' : 'NOT met'} (${e.detail})`);
    for (const s of phase.steps) stepLines(s, 1, lines, opts.notes ?? false);
  }
  if (v.approvals.length) {
    lines.push('', 'Waiting for approval:');
    for (const a of v.approvals) {
      lines.push(`  ${a.instance} (${a.title})${a.artifact ? `, review ${a.artifact}` : ''}`);
      lines.push(`    metaorch workflow approve ${v.runId} ${a.instance}`);
      lines.push(`    metaorch workflow reject ${v.runId} ${a.instance} --note "what to change"`);
    }
  }
  if (v.voters.length) {
    lines.push('', 'Voters (ballots against the winner, this and earlier runs):');
    for (const d of v.voters) lines.push(`  ${d.voter}: ${d.against} of ${d.ballots} (${fmt.pct(d.rate, 0)})${d.persistent ? ' · persistent dissenter' : ''}`);
  }
  if (v.escalations.length) {
    lines.push('', 'Escalations:');
    for (const e of v.escalations) lines.push(`  ${e.kind} on ${e.target}: ${e.reason}`);
  }
  return lines.join('\n');
}

function stepLines(s: StepView, depth: number, lines: string[], notes: boolean): void {
  const pad = '  '.repeat(depth);
  const facts: string[] = [];
  if (s.kind !== 'item') facts.push(s.kind);
  if (s.runtime) facts.push(s.runtime);
  if (s.attempts) facts.push(`${s.attempts} call(s)${s.failures ? `, ${s.failures} failed` : ''}`);
  if (s.confidence !== null) facts.push(`confidence ${s.confidence.toFixed(2)}`);
  if (s.attempts && (s.cost > 0 || s.costUnknown)) facts.push(costText(s.cost, s.costUnknown));
  if (s.attempts && (s.tokensIn || s.tokensOut || s.tokensUnknown)) facts.push(`${s.tokensIn || s.tokensOut ? '' : 'tokens '}${tokensText(s.tokensIn, s.tokensOut, s.tokensUnknown)}${s.tokensIn || s.tokensOut ? ' tok' : ''}`);
  if (s.contextTokens !== null) facts.push(`brief ${fmt.int(s.contextTokens)} tok`);
  if (s.userModified) facts.push('user_modified');
  const status = s.status === 'done' || s.status === 'not started' ? '' : ` [${s.status}]`;
  lines.push(`${pad}${MARK[s.status] ?? '·'} ${s.id}${status}  ${facts.join(' · ')}${s.output ? `  → ${s.output}` : ''}`);
  if (s.error && s.status !== 'done') lines.push(`${pad}    error: ${s.error.split('\n')[0]}`);
  if (s.knowledge.length) lines.push(`${pad}    knowledge: ${s.knowledge.join('; ')}`);
  if (s.vote) lines.push(`${pad}    ballots: ${s.vote.ballots.map((b) => `${b.voter}=${b.choice}`).join(', ')} (threshold ${(s.vote.threshold * 100).toFixed(0)}%)`);
  if (notes) for (const r of s.reviews) lines.push(`${pad}    review round ${r.round}: ${r.score.toFixed(2)} by ${r.runtime}: ${r.notes.split('\n')[0] ?? ''}`);
  for (const c of s.children) stepLines(c, depth + 1, lines, notes);
}

export function costText(cost: number, unknown: boolean): string {
  return unknown ? (cost > 0 ? `≥${fmt.usd(cost)} (some unknown)` : 'cost unknown') : fmt.usd(cost);
}

export function tokensText(input: number, output: number, unknown: boolean): string {
  if (unknown && input === 0 && output === 0) return 'unknown';
  const t = `${fmt.int(input)}/${fmt.int(output)}`;
  return unknown ? `≥${t} (some unknown)` : t;
}
