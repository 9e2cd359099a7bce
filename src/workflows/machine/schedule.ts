/**
 * Advancing a workflow: phases in order; in a phase (and in each for-each item) steps one after the
 * other; in a parallel group each step as soon as the siblings it waits for are done. Starts what can
 * start within the concurrency limit, then decides whether the workflow is complete, paused at
 * approvals, or stuck.
 */
import { chooseRuntime } from '../bandit.js';
import { consensusThreshold, dissentRate } from '../vote-core.js';
import type { ExitCondition, PhaseNode, StepNode } from '../model.js';
import { instanceId, type Binding, type InstanceState } from '../state.js';
import type { Core } from './core.js';
import { loopDepth, renderPath, scopedName } from './scope.js';

type Progress = 'done' | 'busy' | 'failed';

/** Starts whatever can start; then settles the workflow's status. */
export function advance(m: Core): void {
  if (m.s.status === 'running') {
    let all = true;
    for (const phase of m.plan.phases) {
      const ps = (m.s.phases[phase.id] ??= { status: 'pending', exit: [] });
      if (ps.status === 'done') continue;
      if (ps.status === 'failed') return;
      if (ps.status === 'pending') {
        ps.status = 'running';
        m.log('info', `phase ${phase.title}`);
      }
      const progress = sequence(m, phase.steps, [], null);
      if (progress === 'done') {
        if (!exitCriteria(m, phase)) return;
        ps.status = 'done';
        continue;
      }
      if (progress === 'failed') ps.status = 'failed';
      all = false;
      break;
    }
    if (all && m.s.status === 'running') {
      m.s.status = 'completed';
      m.s.message = null;
      m.flushPending();
      m.emit({ type: 'status', status: 'completed', message: null });
      return;
    }
  }
  settle(m);
}

function sequence(m: Core, ids: readonly string[], bindings: Binding[], parent: string | null): Progress {
  for (const id of ids) {
    const p = node(m, id, bindings, parent);
    if (p !== 'done') return p;
  }
  return 'done';
}

function node(m: Core, id: string, bindings: Binding[], parent: string | null): Progress {
  const step = m.step(id);
  const inst = m.instance(id, bindings, parent);
  if (inst.status === 'done') return 'done';
  if (inst.status === 'failed') return 'failed';
  if (step.kind === 'for-each') return forEach(m, step, inst);
  if (step.kind === 'parallel') return parallel(m, step, inst);
  if (inst.status === 'pending') start(m, step, inst);
  else if (step.kind === 'vote' && inst.status === 'running') ballots(m, step, inst);
  return progressOf(inst);
}

/** Read after `start`, which may have finished or failed the instance. */
function progressOf(inst: InstanceState): Progress {
  return inst.status === 'done' ? 'done' : inst.status === 'failed' ? 'failed' : 'busy';
}

function forEach(m: Core, step: Extract<StepNode, { kind: 'for-each' }>, inst: InstanceState): Progress {
  if (inst.items === null) {
    if (inst.status === 'pending') {
      inst.status = 'running';
      inst.startedAt ??= m.now;
      const producer = m.plan.producers[step.list];
      const producerStep = producer ? m.step(producer) : null;
      const source =
        step.list in m.plan.inputs
          ? { kind: 'input' as const }
          : producerStep?.kind === 'vote'
            ? { kind: 'value' as const, value: m.s.instances[instanceId(producer!, inst.bindings.slice(0, loopDepth(m.plan, producer!)))]?.output ?? '' }
            : { kind: 'artifact' as const, name: scopedName(m.plan, step.list, inst.bindings) };
      m.emit({ type: 'expand', instance: inst.id, list: step.list, source, bindings: inst.bindings });
    }
    return 'busy';
  }
  let all = true;
  for (const item of inst.items) {
    const p = sequence(m, step.children, [...inst.bindings, { item: step.item, key: item.key, value: item.value }], inst.id);
    if (p === 'failed') return fail(inst, m);
    if (p !== 'done') all = false;
  }
  return all ? done(inst, m) : 'busy';
}

function parallel(m: Core, step: Extract<StepNode, { kind: 'parallel' }>, inst: InstanceState): Progress {
  inst.status = 'running';
  inst.startedAt ??= m.now;
  let all = true;
  for (const child of step.children) {
    const waits = [...m.siblingsWaitedFor(step.id, child)];
    const ready = waits.every((w) => m.s.instances[instanceId(w, inst.bindings)]?.status === 'done');
    if (!ready) {
      all = false;
      continue;
    }
    const p = node(m, child, inst.bindings, inst.id);
    if (p === 'failed') return fail(inst, m);
    if (p !== 'done') all = false;
  }
  return all ? done(inst, m) : 'busy';
}

function done(inst: InstanceState, m: Core): Progress {
  inst.status = 'done';
  inst.finishedAt = m.now;
  return 'done';
}

function fail(inst: InstanceState, m: Core): Progress {
  inst.status = 'failed';
  inst.finishedAt = m.now;
  return 'failed';
}

/** Starts a pending leaf step, if a slot is free (approvals need none). */
function start(m: Core, step: StepNode, inst: InstanceState): void {
  if (step.kind === 'approve') {
    inst.status = 'awaiting-approval';
    inst.startedAt ??= m.now;
    inst.approval = { requestedAt: m.now, answeredAt: null, decision: null, note: null, escalated: false };
    m.emit({ type: 'await-approval', instance: inst.id, title: step.title, target: step.target ? scopedName(m.plan, step.target, inst.bindings) : null });
    m.log('info', `${inst.id}: waiting for approval (metaorch workflow approve ${m.s.runId} ${inst.id})`, inst.id);
    return;
  }
  if (step.kind === 'review') {
    const artifact = m.s.artifacts[scopedName(m.plan, step.target, inst.bindings)];
    if (artifact?.userModified) {
      inst.status = 'done';
      inst.output = 'skipped: the artifact was edited by the user';
      inst.finishedAt = m.now;
      return;
    }
  }
  if (step.kind === 'vote') {
    inst.status = 'running';
    inst.startedAt ??= m.now;
    const threshold = consensusThreshold({ consensus: step.consensus, critical: step.critical, base: step.threshold }, dissentRate(m.ctx.dissent));
    inst.vote = { ballots: [], threshold, startedAt: m.now, decidedAt: null, reason: null, winner: null, consensus: null };
    ballots(m, step, inst);
    return;
  }
  if (!m.hasSlot()) return;
  inst.status = 'running';
  inst.startedAt ??= m.now;
  inst.error = null;
  if (step.kind === 'check') {
    inst.check = null;
    inst.attempts++;
    m.emit({ type: 'run-check', instance: inst.id, command: step.command, cwd: step.cwd, timeoutMs: step.timeoutMs });
    return;
  }
  if (step.kind === 'generate') {
    const history = [...(m.ctx.priors[step.id] ?? []), ...(m.s.rewards[step.id] ?? [])];
    // Seeded by the run too: runs of a workflow with a fixed seed still draw differently.
    const choice = chooseRuntime(step.with, history, m.s.seed, `${m.s.runId}/${inst.id}`, inst.attempts);
    const call = m.newCall(inst, 'generate', choice.runtime);
    if (step.with.length > 1) m.log('info', `${inst.id}: runtime ${choice.runtime} chosen by Thompson sampling (${choice.arms.map((a) => `${a.runtime} ${a.trials} scored`).join(', ')})`, inst.id);
    m.emit({ type: 'prepare', seq: call.seq, instance: inst.id, brief: m.briefSpec(inst, 'generate'), inspect: renderPath(step.file, inst.bindings) });
    return;
  }
  if (step.kind === 'review') {
    const reviewer = step.by[inst.rounds % step.by.length]!;
    const call = m.newCall(inst, 'review', reviewer);
    m.emit({ type: 'prepare', seq: call.seq, instance: inst.id, brief: m.briefSpec(inst, 'review'), inspect: null });
  }
}

/** Keeps a vote supplied with ballots: `min` at first, then one at a time, never beyond `max`. */
function ballots(m: Core, step: Extract<StepNode, { kind: 'vote' }>, inst: InstanceState): void {
  const vote = inst.vote;
  if (!vote || vote.decidedAt !== null) return;
  for (;;) {
    const pending = m.callsOf(inst.id).filter((c) => c.phase !== 'finished').length;
    const cast = vote.ballots.length;
    const wanted = cast < step.minVoters ? step.minVoters - cast : 1;
    if (pending >= wanted || cast + pending >= step.maxVoters || !m.hasSlot()) return;
    const voter = step.voters[(cast + pending) % step.voters.length]!;
    const call = m.newCall(inst, 'voter', voter);
    m.emit({ type: 'prepare', seq: call.seq, instance: inst.id, brief: m.briefSpec(inst, 'voter'), inspect: null });
  }
}

/** Nothing in flight and nothing could start: paused at approvals, or stuck (a deadlock). */
function settle(m: Core): void {
  if (m.s.status !== 'running' && m.s.status !== 'awaiting-approval') return;
  if (m.inFlight() > 0) return;
  const expanding = Object.values(m.s.instances).some((i) => i.status === 'running' && m.plan.steps[i.step]?.kind === 'for-each' && i.items === null);
  if (expanding) return;
  const waiting = Object.values(m.s.instances).filter((i) => i.status === 'awaiting-approval');
  if (waiting.length) {
    if (m.s.status !== 'awaiting-approval') {
      m.s.status = 'awaiting-approval';
      m.s.message = `waiting for approval of ${waiting.map((w) => w.id).join(', ')}`;
      m.emit({ type: 'status', status: 'awaiting-approval', message: m.s.message });
    }
    return;
  }
  if (m.s.status === 'running') {
    const open = Object.values(m.s.instances).filter((i) => i.status !== 'done').map((i) => `${i.id} (${i.status})`);
    m.escalate({ kind: 'deadlock', target: 'workflow', reason: 'nothing can proceed: no step is running, ready or waiting for an approval', evidence: { open } });
    m.stop(`deadlock: nothing can proceed (open: ${open.join(', ') || 'none'})`);
  }
}

/** A phase whose steps are done must meet its exit criterion, else the workflow stops. */
function exitCriteria(m: Core, phase: PhaseNode): boolean {
  const ps = m.s.phases[phase.id]!;
  ps.exit = phase.exit.map((c) => ({ text: c.text, ...evaluate(m, phase, c) }));
  const unmet = ps.exit.filter((e) => !e.met);
  if (unmet.length) {
    ps.status = 'failed';
    m.stop(`phase '${phase.title}' did not meet its exit criterion: ${unmet.map((u) => `${u.text} (${u.detail})`).join('; ')}`);
    return false;
  }
  return true;
}

function evaluate(m: Core, phase: PhaseNode, c: ExitCondition): { met: boolean; detail: string } {
  const byStep = m.s.instances[c.name];
  const producer = m.plan.producers[c.name];
  const inst = byStep ?? (producer ? m.s.instances[producer] : undefined);
  const step = inst ? m.plan.steps[inst.step] : undefined;
  switch (c.test) {
    case 'exists': {
      const exists = m.s.artifacts[c.name] !== undefined || (inst?.output ?? null) !== null;
      return { met: exists, detail: exists ? 'produced' : 'not produced' };
    }
    case 'score':
    case 'confidence': {
      const value = c.test === 'score' ? (inst?.score ?? null) : (inst?.confidence ?? null);
      const met = value !== null && value >= (c.atLeast ?? 0);
      return { met, detail: value === null ? `no ${c.test} recorded` : `it is ${value.toFixed(2)}` };
    }
    case 'passed': {
      const ok = step?.kind === 'vote' ? inst?.vote?.consensus === true : inst?.passed === true;
      return { met: ok, detail: ok ? 'passed' : 'did not pass' };
    }
    case 'approved': {
      const gate = Object.values(m.s.instances).find((i) => {
        const s = m.plan.steps[i.step];
        return s?.kind === 'approve' && s.phase === phase.id && (i.step === c.name || s.target === c.name);
      });
      const ok = gate?.approval?.decision === 'approve' && gate.status === 'done';
      return { met: ok, detail: ok ? 'approved' : 'not approved' };
    }
  }
}
