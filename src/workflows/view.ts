/**
 * The phase tree of a workflow run as `metaorch workflow status` and the dashboard show it: every step
 * instance with its status, runtime, attempts, confidence, cost, tokens and review notes, the pending
 * approvals and the escalations. Derived from state.json (and the plan); pure.
 */
import type { StepNode, WorkflowPlan } from './model.js';
import { instanceId, type Binding, type InstanceState, type WorkflowState } from './state.js';
import { dissentByVoter, latencyPercentiles, type DissentRecord, type VoterDissent } from './vote-core.js';

export interface StepView {
  id: string;
  step: string;
  title: string;
  kind: StepNode['kind'] | 'item';
  status: InstanceState['status'] | 'not started';
  runtime: string | null;
  attempts: number;
  failures: number;
  rounds: number;
  confidence: number | null;
  score: number | null;
  passed: boolean | null;
  cost: number;
  costUnknown: boolean;
  tokensIn: number;
  tokensOut: number;
  tokensUnknown: boolean;
  contextTokens: number | null;
  knowledge: string[];
  output: string | null;
  error: string | null;
  userModified: boolean;
  artifact: { name: string; path: string; version: number } | null;
  reviews: { round: number; score: number; runtime: string; notes: string }[];
  approval: { requestedAt: number; decision: string | null; note: string | null } | null;
  vote: { ballots: { voter: string; choice: string; confidence: number }[]; threshold: number; winner: string | null; consensus: boolean | null; reason: string | null; latencyMs: number | null } | null;
  children: StepView[];
}

export interface WorkflowView {
  runId: string;
  name: string;
  file: string;
  workdir: string;
  status: WorkflowState['status'];
  message: string | null;
  createdAt: number;
  updatedAt: number;
  phases: { id: string; title: string; status: string; exit: { text: string; met: boolean; detail: string }[]; steps: StepView[] }[];
  approvals: { instance: string; title: string; since: number; artifact: string | null }[];
  escalations: WorkflowState['escalations'];
  totals: { cost: number; costUnknown: boolean; tokensIn: number; tokensOut: number; tokensUnknown: boolean; calls: number; contextTokens: number };
  /** Consensus latency of this run's votes (and of earlier runs', when given). */
  votes: { count: number; latencyP50Ms: number | null; latencyP95Ms: number | null };
  /** Per voter: ballots against the winner, this run and earlier runs together; persistent dissenters flagged. */
  voters: VoterDissent[];
}

/** What earlier runs add to the view: their ballots and consensus latencies. */
export interface ViewHistory {
  dissent: DissentRecord[];
  latencies: number[];
}

/**
 * @example
 * const view = workflowView(plan, loadState(dir));
 */
export function workflowView(plan: WorkflowPlan, state: WorkflowState, history: ViewHistory = { dissent: [], latencies: [] }): WorkflowView {
  const phases = plan.phases.map((p) => ({
    id: p.id, title: p.title, status: state.phases[p.id]?.status ?? 'pending', exit: state.phases[p.id]?.exit ?? [],
    steps: p.steps.map((id) => stepView(plan, state, id, [])),
  }));
  const all = Object.values(state.instances);
  const approvals = all.filter((i) => i.status === 'awaiting-approval').map((i) => {
    const step = plan.steps[i.step];
    return { instance: i.id, title: step?.title ?? i.step, since: i.approval?.requestedAt ?? 0, artifact: step?.kind === 'approve' && step.target ? (state.artifacts[instanceId(step.target, i.bindings)]?.path ?? null) : null };
  });
  const decided = all.filter((i) => i.vote?.decidedAt != null);
  const latencies = [...history.latencies, ...decided.map((i) => i.vote!.decidedAt! - i.vote!.startedAt)];
  const lat = latencyPercentiles(latencies);
  const ballots = decided.flatMap((i) => i.vote!.ballots.map((b) => ({ voter: b.voter, against: b.choice !== i.vote!.winner })));
  return {
    runId: state.runId, name: state.workflow.name, file: state.workflow.file, workdir: state.workdir, status: state.status, message: state.message,
    createdAt: state.createdAt, updatedAt: state.updatedAt, phases, approvals, escalations: state.escalations,
    totals: {
      cost: all.reduce((s, i) => s + i.cost, 0), costUnknown: all.some((i) => i.costUnknown),
      tokensIn: all.reduce((s, i) => s + i.tokensIn, 0), tokensOut: all.reduce((s, i) => s + i.tokensOut, 0), tokensUnknown: all.some((i) => i.tokensUnknown),
      calls: all.reduce((s, i) => s + i.trials.length, 0), contextTokens: all.reduce((s, i) => s + (i.context?.tokens ?? 0), 0),
    },
    votes: { count: latencies.length, latencyP50Ms: lat.p50, latencyP95Ms: lat.p95 },
    voters: dissentByVoter([...history.dissent, ...ballots]),
  };
}

function stepView(plan: WorkflowPlan, state: WorkflowState, stepId: string, bindings: Binding[]): StepView {
  const step = plan.steps[stepId]!;
  const id = instanceId(stepId, bindings);
  const inst = state.instances[id];
  const view = baseView(step, id, inst);
  if (step.kind === 'generate') {
    const art = state.artifacts[instanceId(step.output, bindings)];
    if (art) {
      view.artifact = { name: art.name, path: art.path, version: art.version };
      view.reviews = art.reviews;
    }
  }
  if (step.kind === 'parallel') view.children = step.children.map((c) => stepView(plan, state, c, bindings));
  if (step.kind === 'for-each') {
    view.children = (inst?.items ?? []).map((item) => {
      const b = [...bindings, { item: step.item, key: item.key, value: item.value }];
      const children = step.children.map((c) => stepView(plan, state, c, b));
      const itemView = baseView(step, instanceId(stepId, b), undefined);
      const statuses = children.map((c) => c.status);
      return {
        ...itemView, kind: 'item' as const, title: `${step.item}: ${item.key}`, children,
        status: statuses.every((s) => s === 'done') ? 'done' : statuses.some((s) => s === 'failed') ? 'failed' : statuses.some((s) => s !== 'not started') ? 'running' : 'not started',
      };
    });
  }
  return view;
}

function baseView(step: StepNode, id: string, inst: InstanceState | undefined): StepView {
  return {
    id, step: step.id, title: step.title, kind: step.kind, status: inst?.status ?? 'not started',
    runtime: step.kind === 'vote' ? (inst?.vote ? [...new Set(inst.vote.ballots.map((b) => b.voter))].join(', ') || null : null) : (inst?.runtime ?? null),
    attempts: inst?.attempts ?? 0, failures: inst?.failures ?? 0, rounds: inst?.rounds ?? 0, confidence: inst?.confidence ?? null,
    score: inst?.score ?? null, passed: inst?.passed ?? null, cost: inst?.cost ?? 0, costUnknown: inst?.costUnknown ?? false,
    tokensIn: inst?.tokensIn ?? 0, tokensOut: inst?.tokensOut ?? 0, tokensUnknown: inst?.tokensUnknown ?? false,
    contextTokens: inst?.context?.tokens ?? null, knowledge: inst?.context?.knowledge.included.map((k) => `${k.source}: ${k.heading}`) ?? [],
    output: inst?.output ?? null, error: inst?.error ?? null, userModified: inst?.userModified ?? false, artifact: null, reviews: [],
    approval: inst?.approval ? { requestedAt: inst.approval.requestedAt, decision: inst.approval.decision, note: inst.approval.note } : null,
    vote: inst?.vote
      ? {
          ballots: inst.vote.ballots.map((b) => ({ voter: b.voter, choice: b.choice, confidence: b.confidence })), threshold: inst.vote.threshold,
          winner: inst.vote.winner, consensus: inst.vote.consensus, reason: inst.vote.reason,
          latencyMs: inst.vote.decidedAt !== null ? inst.vote.decidedAt - inst.vote.startedAt : null,
        }
      : null,
    children: [],
  };
}
