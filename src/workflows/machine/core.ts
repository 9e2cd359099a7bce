/**
 * The machine's working set for one transition: the plan, a private copy of the state it may change,
 * the context from earlier runs, the clock value of the event and the actions collected. Helpers that
 * every part of the machine shares (calls, failures, rewinds, escalations) live here.
 */
import { hashSeed } from '../../model/random.js';
import type { Escalation } from '../antipatterns.js';
import { parallelDependencies } from '../graph.js';
import type { StepNode, WorkflowPlan } from '../model.js';
import { instanceId, newInstance, type Binding, type CallOutcome, type CallState, type InstanceState, type WorkflowState } from '../state.js';
import type { BriefSpec, MachineAction, MachineContext } from './types.js';
import { generateOf, renderPath, scopedName, visibleInstances } from './scope.js';

export class Core {
  readonly actions: MachineAction[] = [];
  private readonly parallelDeps = new Map<string, Map<string, Set<string>>>();

  constructor(
    readonly plan: WorkflowPlan,
    readonly s: WorkflowState,
    readonly ctx: MachineContext,
    readonly now: number,
  ) {}

  step(id: string): StepNode {
    const step = this.plan.steps[id];
    if (!step) throw new Error(`workflow state names step '${id}', which the workflow does not have`);
    return step;
  }

  instance(stepId: string, bindings: Binding[], parent: string | null): InstanceState {
    const id = instanceId(stepId, bindings);
    return (this.s.instances[id] ??= newInstance(id, stepId, parent, bindings));
  }

  emit(action: MachineAction): void {
    this.actions.push(action);
  }

  log(level: 'info' | 'warn' | 'error', message: string, instance?: string): void {
    this.emit({ type: 'log', level, message, ...(instance ? { instance } : {}) });
  }

  /** Calls preparing or in flight, plus running checks: what the concurrency limit counts. */
  inFlight(): number {
    const calls = Object.values(this.s.calls).filter((c) => c.phase !== 'finished').length;
    const checks = Object.values(this.s.instances).filter((i) => i.status === 'running' && i.check === null && this.plan.steps[i.step]?.kind === 'check').length;
    return calls + checks;
  }

  hasSlot(): boolean {
    return this.inFlight() < this.plan.defaults.concurrency;
  }

  siblingsWaitedFor(groupId: string, childId: string): Set<string> {
    let deps = this.parallelDeps.get(groupId);
    if (!deps) {
      const group = this.step(groupId);
      deps = group.kind === 'parallel' ? parallelDependencies(this.plan.steps, group.children).deps : new Map();
      this.parallelDeps.set(groupId, deps);
    }
    return deps.get(childId) ?? new Set();
  }

  ensureTask(inst: InstanceState): number {
    if (inst.taskIdx === null) {
      inst.taskIdx = this.s.nextTaskIdx++;
      const step = this.step(inst.step);
      this.emit({ type: 'define-task', taskIdx: inst.taskIdx, instance: inst.id, step: step.id, kind: step.kind, phase: step.phase, bindings: inst.bindings });
    }
    return inst.taskIdx;
  }

  /** A new agent call of an instance; its seq is its trial's id in the store. */
  newCall(inst: InstanceState, role: CallState['role'], runtime: string): CallState {
    const seq = this.s.nextSeq++;
    const call: CallState = {
      seq, instance: inst.id, role, runtime, taskIdx: this.ensureTask(inst), repeat: inst.attempts, seed: hashSeed(this.s.seed, seq),
      phase: 'preparing', brief: null, outcome: null,
    };
    this.s.calls[String(seq)] = call;
    inst.attempts++;
    inst.trials.push(seq);
    inst.runtime = runtime;
    return call;
  }

  callsOf(instance: string): CallState[] {
    return Object.values(this.s.calls).filter((c) => c.instance === instance);
  }

  /** Sends a call's trial to the store; its call record is done with. */
  record(call: CallState, outcome: CallOutcome, score: number | null, passed: boolean | null, reward: number | null): void {
    this.emit({
      type: 'record-trial', seq: call.seq, instance: call.instance, runtime: call.runtime, taskIdx: call.taskIdx, repeat: call.repeat,
      seed: call.seed, prompt: call.brief ?? '', outcome, score, passed, reward,
    });
    delete this.s.calls[String(call.seq)];
  }

  /** Adds a call's cost and tokens to its instance; unknown values make the totals "at least". */
  account(inst: InstanceState, outcome: CallOutcome): void {
    if (outcome.cost === null) inst.costUnknown = true;
    else inst.cost += outcome.cost;
    if (outcome.tokens.input === null || outcome.tokens.output === null) inst.tokensUnknown = true;
    inst.tokensIn += outcome.tokens.input ?? 0;
    inst.tokensOut += outcome.tokens.output ?? 0;
  }

  /**
   * A failure of an instance: retried (the instance goes back to pending) until `retries` is used up,
   * then the instance fails and stops the workflow.
   */
  fail(inst: InstanceState, message: string, feedback: string | null = null): void {
    const step = this.step(inst.step);
    inst.failures++;
    inst.error = message;
    if (inst.failures > step.retries) {
      inst.status = 'failed';
      inst.finishedAt = this.now;
      this.stop(`step '${inst.id}' failed after ${inst.failures} failure(s) (retries: ${step.retries}): ${message}`);
      return;
    }
    inst.status = 'pending';
    if (feedback) inst.feedback = inst.feedback ? `${inst.feedback}\n\n${feedback}` : feedback;
    this.log('warn', `${inst.id}: ${message}; retrying (failure ${inst.failures} of at most ${step.retries + 1})`, inst.id);
  }

  /** Stops the workflow as failed; answers still awaited are recorded without a score. */
  stop(message: string): void {
    if (this.s.status === 'failed') return;
    this.s.status = 'failed';
    this.s.message = message;
    this.flushPending();
    this.emit({ type: 'status', status: 'failed', message });
  }

  /** Records every finished call still waiting for its score, unscored. */
  flushPending(): void {
    for (const call of Object.values(this.s.calls)) if (call.phase === 'finished' && call.outcome) this.record(call, call.outcome, null, null, null);
  }

  escalate(e: Escalation): void {
    if (this.s.escalations.some((x) => x.kind === e.kind && x.target === e.target)) return;
    this.s.escalations.push({ ...e, at: this.now });
    this.emit({ type: 'escalate', escalation: e });
    this.log('warn', `escalated ${e.kind} of ${e.target}: ${e.reason}`, e.target === 'workflow' ? undefined : e.target);
  }

  /**
   * Sends the work back: the steps from `from` to `to` (a range of a sequence, or just the two in a
   * parallel group) run again, `from` told why. Counters are kept; group instances lose their items.
   */
  rewind(from: string, to: string, bindings: Binding[], feedback: string): void {
    const step = this.step(from);
    const parent = step.parent ? this.step(step.parent) : null;
    const siblings = parent && (parent.kind === 'parallel' || parent.kind === 'for-each') ? parent.children : this.plan.phases.find((p) => p.id === step.phase)!.steps;
    const range = parent?.kind === 'parallel' ? [from, to] : siblings.slice(siblings.indexOf(from), siblings.indexOf(to) + 1);
    for (const id of range) this.reset(instanceId(id, bindings));
    const first = this.s.instances[instanceId(from, bindings)];
    if (first) first.feedback = feedback;
  }

  private reset(id: string): void {
    const inst = this.s.instances[id];
    if (!inst) return;
    inst.status = 'pending';
    inst.finishedAt = null;
    inst.items = null;
    inst.vote = null;
    inst.check = null;
    inst.approval = null;
    for (const other of Object.values(this.s.instances)) if (other.parent === id) {
      this.reset(other.id);
      this.forget(other.id);
    }
  }

  /**
   * Drops an instance that a rewind made obsolete (a for-each item of an old list), with its calls:
   * an answer waiting for its score is recorded unscored; one still in flight is ignored when it lands.
   */
  private forget(id: string): void {
    for (const call of this.callsOf(id)) {
      if (call.phase === 'finished' && call.outcome) this.record(call, call.outcome, null, null, null);
      else delete this.s.calls[String(call.seq)];
    }
    delete this.s.instances[id];
  }

  /** What the shell needs to build an instance's brief. */
  briefSpec(inst: InstanceState, role: BriefSpec['role']): BriefSpec {
    const step = this.step(inst.step);
    const artifacts: Record<string, string> = {};
    const values: Record<string, string> = {};
    for (const ref of step.refs) {
      if (inst.bindings.some((b) => b.item === ref) || ref in this.plan.inputs) continue;
      if (generateOf(this.plan, ref)) {
        for (const name of visibleInstances(this.plan, this.s, ref, inst.bindings, 'artifact')) artifacts[name] = ref;
      } else if (this.plan.producers[ref]) {
        const decisions = visibleInstances(this.plan, this.s, ref, inst.bindings, 'vote').map((i) => this.s.instances[i]?.output ?? '');
        values[ref] = decisions.join('\n');
      }
    }
    let file: string | null = null;
    let artifact: string | null = null;
    if (step.kind === 'generate') {
      file = renderPath(step.file, inst.bindings);
      const name = scopedName(this.plan, step.output, inst.bindings);
      artifact = this.s.artifacts[name] && inst.feedback ? name : null;
    } else if (step.kind === 'review') {
      artifact = scopedName(this.plan, step.target, inst.bindings);
      file = this.s.artifacts[artifact]?.path ?? null;
    }
    return {
      role, title: step.title, prompt: step.prompt, bindings: inst.bindings, refs: step.refs, artifacts, values,
      knowledge: step.knowledge, knowledgeBudget: step.knowledgeBudget, feedback: inst.feedback, file, artifact,
      round: inst.rounds + 1, options: step.kind === 'vote' ? step.options : null,
    };
  }
}
