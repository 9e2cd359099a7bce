/**
 * The workflow step machine: `transition(plan, state, event, context) -> { state, actions }`. Pure: the
 * state passed in is not changed (a copy is), time comes from the event, randomness from the run's
 * seed, and every effect (agent calls, commands, files, the store) is an action for the shell.
 *
 * @example
 * let { state, actions } = transition(plan, initialState(plan, { runId, workdir, seed: 7, force: false, now: 0 }), { type: 'start', now: 0 }, EMPTY_CONTEXT);
 */
import type { WorkflowPlan } from '../model.js';
import { STATE_SCHEMA_VERSION, type WorkflowState } from '../state.js';
import { renderNotes } from './answers.js';
import { Core } from './core.js';
import { onApproval, onArtifactWritten, onCallFinished, onCheckFinished, onExpanded, onPrepared, onTick } from './handlers.js';
import { advance } from './schedule.js';
import { renderPath } from './scope.js';
import type { MachineContext, MachineEvent, TransitionResult } from './types.js';

export type { BriefSpec, Inspection, ListSource, MachineAction, MachineContext, MachineEvent, TrialRecordAction } from './types.js';
export { EMPTY_CONTEXT } from './types.js';

/**
 * The state of a workflow run before anything ran.
 *
 * @example
 * initialState(plan, { runId: 'r1', workdir: '/repo', seed: 1, force: false, now: Date.now() });
 */
export function initialState(plan: WorkflowPlan, o: { runId: string; workdir: string; seed: number; force: boolean; now: number }): WorkflowState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION, kind: 'meta-orchestrator/workflow-state', runId: o.runId,
    workflow: { name: plan.name, file: plan.file, sha256: plan.sha256 }, workdir: o.workdir, seed: o.seed, force: o.force,
    status: 'running', message: null, createdAt: o.now, updatedAt: o.now, nextSeq: 0, nextTaskIdx: 0,
    phases: Object.fromEntries(plan.phases.map((p) => [p.id, { status: 'pending' as const, exit: [] }])),
    instances: {}, artifacts: {}, calls: {}, rewards: {}, escalations: [],
  };
}

export function transition(plan: WorkflowPlan, state: WorkflowState, event: MachineEvent, ctx: MachineContext): TransitionResult<WorkflowState> {
  const m = new Core(plan, structuredClone(state), ctx, event.now);
  m.s.updatedAt = event.now;
  switch (event.type) {
    case 'start':
      start(m);
      break;
    case 'prepared':
      onPrepared(m, event);
      break;
    case 'call-finished':
      onCallFinished(m, event);
      break;
    case 'expanded':
      onExpanded(m, event);
      break;
    case 'check-finished':
      onCheckFinished(m, event);
      break;
    case 'approval':
      onApproval(m, event);
      break;
    case 'artifact-written':
      onArtifactWritten(m, event);
      break;
    case 'tick':
      onTick(m);
      break;
    case 'interrupt':
      if (m.s.status === 'running' || m.s.status === 'awaiting-approval') {
        m.s.status = 'interrupted';
        m.s.message = 'interrupted: resume with metaorch workflow resume';
        m.emit({ type: 'status', status: 'interrupted', message: m.s.message });
      }
      break;
  }
  if (event.type !== 'interrupt') advance(m);
  return { state: m.s, actions: m.actions };
}

/**
 * A start or a resume: whatever was under way when the last process stopped is asked for again
 * (briefs, calls, checks, lists, file writes, approvals); what finished is not.
 */
function start(m: Core): void {
  const s = m.s;
  if (s.status === 'completed' || s.status === 'failed') return;
  if (s.status !== 'running') {
    s.status = 'running';
    s.message = null;
    m.emit({ type: 'status', status: 'running', message: null });
  }
  for (const art of Object.values(s.artifacts)) {
    if (art.content !== null) m.emit({ type: 'write-artifact', name: art.name, path: art.path, content: art.content, notes: null });
    if (art.notesPending) {
      const producerStep = s.instances[art.producer]?.step;
      const review = Object.values(m.plan.steps).find((st) => st.kind === 'review' && st.producer === producerStep);
      const pass = review?.kind === 'review' ? review.pass : m.plan.defaults.pass;
      m.emit({ type: 'write-notes', name: art.name, path: art.path, notes: renderNotes(art.reviews, pass) });
    }
  }
  for (const call of Object.values(s.calls)) {
    const inst = s.instances[call.instance]!;
    if (call.phase === 'preparing') {
      const step = m.step(inst.step);
      const inspect = step.kind === 'generate' ? renderPath(step.file, inst.bindings) : null;
      m.emit({ type: 'prepare', seq: call.seq, instance: inst.id, brief: m.briefSpec(inst, call.role), inspect });
    } else if (call.phase === 'dispatched') {
      m.emit({ type: 'dispatch', seq: call.seq, instance: inst.id, runtime: call.runtime, taskIdx: call.taskIdx, repeat: call.repeat, seed: call.seed, brief: call.brief ?? '', timeoutMs: m.step(inst.step).timeoutMs });
    }
  }
  for (const inst of Object.values(s.instances)) {
    const step = m.step(inst.step);
    if (inst.status === 'running' && step.kind === 'check' && inst.check === null) {
      m.emit({ type: 'run-check', instance: inst.id, command: step.command, cwd: step.cwd, timeoutMs: step.timeoutMs });
    }
    if (inst.status === 'running' && step.kind === 'for-each' && inst.items === null) {
      // Asked again by the scheduler: put it back to pending so `advance` re-emits the expansion.
      inst.status = 'pending';
    }
    if (inst.status === 'awaiting-approval') {
      m.emit({ type: 'await-approval', instance: inst.id, title: step.title, target: step.kind === 'approve' ? step.target : null });
    }
  }
}
