/**
 * The thin shell around the step machine: feeds it events one at a time and performs its actions.
 * After every transition, store writes (idempotent) come first, then `state.json` is saved atomically,
 * then everything else (agent calls through the engine's `runTrial`, checks, files). So a process
 * killed at any moment leaves a state from which `resume` asks again for exactly what was under way:
 * a call whose trial the store already holds is completed from the store, never paid twice.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Experiment } from '../../config/experiment.js';
import { TrialCancelled } from '../../engine/classify.js';
import { runTrial } from '../../engine/run-trial.js';
import { buildRuntime, type TrialRuntime } from '../../engine/runtime.js';
import type { TrialOutcome, TrialSpec } from '../../model/trial.js';
import type { RunStatus, TrialRecord } from '../../store/records.js';
import type { Store, TrialSink } from '../../store/store.js';
import { renderBrief } from '../brief.js';
import { createEscalator, escalationTarget } from '../../controller/escalation.js';
import { controllerEscalation, type EscalationHook } from '../escalation.js';
import { parseList } from '../machine/answers.js';
import { transition, type MachineAction, type MachineContext, type MachineEvent } from '../machine/index.js';
import type { WorkflowPlan } from '../model.js';
import type { CallOutcome, WorkflowState, WorkflowStatus } from '../state.js';
import type { KnowledgeSection } from '../knowledge.js';
import { inspectArtifact, readArtifact, recordWrites, writeArtifact, writeNotes } from './artifacts.js';
import { renderPath } from '../machine/scope.js';
import { runCheck } from './check.js';
import { saveState } from './state-file.js';

/** Hooks for a progress view; all optional. */
export interface WorkflowObserver {
  onLog?(level: 'info' | 'warn' | 'error', message: string, instance?: string): void;
  onStatus?(status: WorkflowStatus, message: string | null): void;
  onApprovalRequested?(instance: string, title: string): void;
}

export interface ShellOptions {
  plan: WorkflowPlan;
  state: WorkflowState;
  context: MachineContext;
  dir: string;
  store: Store;
  env: NodeJS.ProcessEnv;
  inputs: Record<string, unknown>;
  knowledge: KnowledgeSection[];
  experiment: Experiment;
  observer?: WorkflowObserver;
  escalation?: EscalationHook;
  /** Aborting stops scheduling (Ctrl-C); in-flight calls may finish. */
  stop?: AbortSignal;
  /** Aborting cancels in-flight calls and checks; they are asked again on resume. */
  cancel?: AbortSignal;
  /** Keep waiting for approval answers instead of returning when only approvals remain. */
  wait?: boolean;
  /** How often answers (and approval timeouts) are checked, ms. */
  pollMs?: number;
}

/**
 * Runs the machine until the workflow completes, fails, is interrupted, or (unless `wait`) only
 * approvals remain. Returns the final state.
 *
 * @example
 * const state = await new WorkflowShell(options).run();
 */
export class WorkflowShell {
  private state: WorkflowState;
  private readonly runtime: TrialRuntime;
  private readonly writer: TrialSink;
  private readonly escalation: EscalationHook;
  private readonly queue: MachineEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Escalations being delivered (a webhook's retries): the run waits for them before it returns. */
  private readonly escalations = new Set<Promise<void>>();
  private readonly never = new AbortController().signal;
  private wake: (() => void) | null = null;
  private processing = false;

  constructor(private readonly o: ShellOptions) {
    this.state = o.state;
    this.runtime = buildRuntime(o.experiment, o.env);
    this.writer = o.store.trialWriter(o.state.runId);
    this.escalation = o.escalation ?? controllerEscalation({
      store: o.store, runId: o.state.runId, runName: o.plan.name,
      event: (type, data) => this.writer.event(type, data),
      say: (line) => o.observer?.onLog?.('warn', line),
      escalator: o.plan.escalate ? createEscalator(escalationTarget(o.plan.escalate, o.env), this.runtime.redact) : null,
    });
  }

  get current(): WorkflowState {
    return this.state;
  }

  async run(): Promise<WorkflowState> {
    const onStop = () => this.push({ type: 'interrupt', now: Date.now() });
    this.o.stop?.addEventListener('abort', onStop, { once: true });
    try {
      this.push({ type: 'start', now: Date.now() });
      for (;;) {
        this.drain();
        this.readAnswers();
        this.drain();
        const status = this.state.status;
        const busy = this.inFlight.size > 0 || this.queue.length > 0;
        if (!busy) {
          if (status === 'completed' || status === 'failed' || status === 'interrupted') break;
          if (status === 'awaiting-approval' && !this.o.wait) break;
        }
        await this.idle(this.o.pollMs ?? 250);
        if (status === 'awaiting-approval' || this.hasWaitingApprovals()) this.push({ type: 'tick', now: Date.now() });
      }
      return this.state;
    } finally {
      this.o.stop?.removeEventListener('abort', onStop);
      await Promise.allSettled([...this.inFlight]);
      await Promise.allSettled([...this.escalations]);
      this.writer.close();
      await this.runtime.close();
    }
  }

  private trackEscalation(escalation: void | Promise<void>): void {
    if (!escalation) return;
    const p: Promise<void> = escalation
      .catch((error: unknown) => this.o.observer?.onLog?.('warn', `escalation failed: ${this.runtime.redact(error instanceof Error ? error.message : String(error))}`))
      .finally(() => this.escalations.delete(p));
    this.escalations.add(p);
  }

  /** Queues an event; it is applied in order, after what is already queued. */
  push(event: MachineEvent): void {
    this.queue.push(event);
    this.wake?.();
  }

  private drain(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let e = this.queue.shift(); e; e = this.queue.shift()) this.apply(e);
    } finally {
      this.processing = false;
    }
  }

  private apply(event: MachineEvent): void {
    const { state, actions } = transition(this.o.plan, this.state, event, this.o.context);
    this.state = state;
    // Store writes first: idempotent, so a crash before the state is saved only repeats them.
    for (const a of actions) this.storeAction(a);
    this.writer.flush();
    saveState(this.o.dir, this.state);
    for (const a of actions) this.effect(a);
  }

  private storeAction(a: MachineAction): void {
    const store = this.o.store;
    const runId = this.state.runId;
    switch (a.type) {
      case 'define-task':
        store.defineTask(runId, a.taskIdx, { id: a.instance, input: { step: a.step, kind: a.kind, phase: a.phase, ...(a.bindings.length ? { items: a.bindings.map((b) => b.key) } : {}) } });
        break;
      case 'dispatch':
        this.writer.scheduled(this.spec(a.seq, a.runtime, a.taskIdx, a.repeat, a.seed, a.instance, a.brief));
        break;
      case 'record-trial':
        this.writer.finished(this.spec(a.seq, a.runtime, a.taskIdx, a.repeat, a.seed, a.instance, a.prompt), toTrialOutcome(a), a.reward);
        break;
      case 'escalate':
        this.trackEscalation(this.escalation.escalate({ ...a.escalation, runId, at: Date.now() }));
        break;
      case 'vote-decided':
        this.writer.event('vote', { instance: a.instance, step: a.step, latencyMs: a.latencyMs, winner: a.winner, consensus: a.consensus, threshold: a.threshold, ballots: a.ballots });
        break;
      case 'log':
        this.writer.event('workflow', { level: a.level, message: a.message, instance: a.instance ?? null });
        break;
      case 'status': {
        const { status, stopReason } = runStatusOf(a.status);
        store.updateRun(runId, { status, stopReason, error: a.status === 'failed' ? a.message : null, ...(a.status === 'running' ? {} : { finishedAt: Date.now() }) });
        break;
      }
      default:
        break;
    }
  }

  private effect(a: MachineAction): void {
    const ob = this.o.observer;
    switch (a.type) {
      case 'prepare':
        this.prepare(a);
        break;
      case 'dispatch':
        this.track(this.call(a));
        break;
      case 'expand':
        this.expand(a);
        break;
      case 'run-check':
        this.track(this.check(a));
        break;
      case 'write-artifact': {
        const producer = Object.values(this.state.artifacts).find((x) => x.name === a.name);
        const inst = producer ? this.state.instances[producer.producer] : undefined;
        const info = { runId: this.state.runId, step: inst?.step ?? '', artifact: a.name, version: producer?.version ?? 1 };
        writeArtifact(this.state.workdir, a.path, a.content, a.notes, info);
        // Files the agent edited itself (CLI agents) are recorded too, so later edits by the user show.
        const step = inst ? this.o.plan.steps[inst.step] : undefined;
        if (step?.kind === 'generate' && step.writes.length && inst) recordWrites(this.state.workdir, step.writes.map((w) => renderPath(w, inst.bindings)), info);
        this.push({ type: 'artifact-written', name: a.name, now: Date.now() });
        break;
      }
      case 'write-notes':
        writeNotes(this.state.workdir, a.path, a.notes);
        this.push({ type: 'artifact-written', name: a.name, now: Date.now() });
        break;
      case 'await-approval':
        ob?.onApprovalRequested?.(a.instance, a.title);
        break;
      case 'log':
        ob?.onLog?.(a.level, a.message, a.instance);
        break;
      case 'status':
        ob?.onStatus?.(a.status, a.message);
        break;
      default:
        break;
    }
  }

  private prepare(a: Extract<MachineAction, { type: 'prepare' }>): void {
    const workdir = this.state.workdir;
    const brief = renderBrief(a.brief, {
      inputs: this.o.inputs,
      knowledge: this.o.knowledge,
      workflowName: this.o.plan.name,
      artifact: (name) => {
        const art = this.state.artifacts[name];
        return art ? (art.content ?? readArtifact(workdir, art.path)) : null;
      },
    });
    const art = a.inspect ? Object.values(this.state.artifacts).find((x) => x.path === a.inspect) : undefined;
    const inspection = a.inspect ? inspectArtifact(workdir, a.inspect, art?.hashes ?? []) : undefined;
    this.push({
      type: 'prepared', seq: a.seq, brief: brief.text, now: Date.now(),
      context: { tokens: brief.tokens, chars: brief.chars, knowledge: brief.knowledge },
      ...(inspection ? { inspection } : {}),
    });
  }

  private async call(a: Extract<MachineAction, { type: 'dispatch' }>): Promise<void> {
    const stored = this.o.store.queries().trial(this.state.runId, a.seq);
    if (stored && stored.status !== 'scheduled') {
      this.push({ type: 'call-finished', seq: a.seq, outcome: fromRecord(stored), now: Date.now() });
      return;
    }
    const spec = this.spec(a.seq, a.runtime, a.taskIdx, a.repeat, a.seed, a.instance, a.brief);
    const variant = this.runtime.variants.get(a.runtime);
    if (!variant) throw new Error(`the workflow state names runtime '${a.runtime}', which the workflow does not define`);
    // The step's timeout, not the runtime's, bounds each attempt.
    const runtime: TrialRuntime = { ...this.runtime, variants: new Map([[a.runtime, { ...variant, timeoutMs: a.timeoutMs }]]) };
    try {
      const outcome = await runTrial(spec, runtime, this.o.cancel ?? this.never);
      this.push({ type: 'call-finished', seq: a.seq, outcome: toCallOutcome(outcome), now: Date.now() });
    } catch (error) {
      if (error instanceof TrialCancelled) return;
      throw error;
    }
  }

  private expand(a: Extract<MachineAction, { type: 'expand' }>): void {
    let raw: unknown;
    if (a.source.kind === 'input') raw = this.o.inputs[a.list];
    else if (a.source.kind === 'value') raw = a.source.value;
    else {
      const art = this.state.artifacts[a.source.name];
      raw = art ? (art.content ?? readArtifact(this.state.workdir, art.path)) : null;
    }
    const items = raw === null || raw === undefined ? { error: `'${a.list}' has no content yet` } : parseList(raw);
    this.push('error' in items
      ? { type: 'expanded', instance: a.instance, items: null, error: `'${a.list}' is not a list: ${items.error}`, now: Date.now() }
      : { type: 'expanded', instance: a.instance, items, now: Date.now() });
  }

  private async check(a: Extract<MachineAction, { type: 'run-check' }>): Promise<void> {
    const cwd = join(this.state.workdir, a.cwd);
    if (!existsSync(cwd)) mkdirSync(cwd, { recursive: true });
    const cancel = this.o.cancel ?? this.never;
    const result = await runCheck(a.command, cwd, a.timeoutMs, cancel, this.o.env);
    if (cancel.aborted) return;
    // The output goes to the state, the store and a brief: secrets the runtimes reference never do.
    this.push({ type: 'check-finished', instance: a.instance, exitCode: result.exitCode, output: this.runtime.redact(result.output), now: Date.now() });
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((error: unknown) => {
      this.o.observer?.onLog?.('error', `internal error: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }).finally(() => {
      this.inFlight.delete(tracked);
      this.wake?.();
    });
    tracked.catch(() => undefined);
    this.inFlight.add(tracked);
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private hasWaitingApprovals(): boolean {
    return Object.values(this.state.instances).some((i) => i.status === 'awaiting-approval');
  }

  /** Approval answers written by `metaorch workflow approve/reject` or the dashboard. */
  private readAnswers(): void {
    const inbox = join(this.o.dir, 'answers');
    if (!existsSync(inbox) || !this.hasWaitingApprovals()) return;
    for (const file of readdirSync(inbox).filter((f) => f.endsWith('.json')).sort()) {
      const path = join(inbox, file);
      let answer: { instance?: unknown; decision?: unknown; note?: unknown; at?: unknown };
      try {
        answer = JSON.parse(readFileSync(path, 'utf8')) as typeof answer;
      } catch {
        continue;
      }
      if (typeof answer.instance !== 'string' || (answer.decision !== 'approve' && answer.decision !== 'reject')) continue;
      this.push({ type: 'approval', instance: answer.instance, decision: answer.decision, note: typeof answer.note === 'string' ? answer.note : null, now: Date.now() });
      this.drain();
      // Applied and saved: the answer is archived (a crash before this only re-applies an ignored answer).
      mkdirSync(join(inbox, 'applied'), { recursive: true });
      renameSync(path, join(inbox, 'applied', file));
    }
  }

  private spec(seq: number, runtime: string, taskIdx: number, repeat: number, seed: number, instance: string, brief: string): TrialSpec {
    return { runId: this.state.runId, seq, variantId: runtime, task: { id: instance, input: { prompt: brief } }, taskIdx, repeat, seed };
  }
}

/** How a workflow status is recorded on its run in the store. */
export function runStatusOf(status: WorkflowStatus): { status: RunStatus; stopReason: string | null } {
  switch (status) {
    case 'running': return { status: 'running', stopReason: null };
    case 'completed': return { status: 'completed', stopReason: 'done' };
    case 'failed': return { status: 'failed', stopReason: 'failed' };
    case 'interrupted': return { status: 'interrupted', stopReason: 'interrupted' };
    case 'awaiting-approval': return { status: 'interrupted', stopReason: 'awaiting-approval' };
  }
}

function toCallOutcome(o: TrialOutcome): CallOutcome {
  return {
    status: o.status, output: o.output, error: o.error, attempts: o.attempts, latencyMs: o.latencyMs,
    tokens: { input: o.tokens.input, output: o.tokens.output }, cost: o.cost, startedAt: o.startedAt, finishedAt: o.finishedAt,
  };
}

function fromRecord(t: TrialRecord): CallOutcome {
  return {
    status: t.status === 'error' ? 'error' : 'ok', output: t.output,
    error: t.errorKind ? { kind: t.errorKind, message: t.error ?? '', retryable: false } : null,
    attempts: t.attempts, latencyMs: t.latencyMs ?? 0, tokens: { input: t.tokensIn, output: t.tokensOut }, cost: t.cost,
    startedAt: t.startedAt ?? t.scheduledAt, finishedAt: t.finishedAt ?? t.scheduledAt,
  };
}

function toTrialOutcome(a: Extract<MachineAction, { type: 'record-trial' }>): TrialOutcome {
  const o = a.outcome;
  // The score a workflow gives a call: the review's verdict on an artifact, a voter's agreement with the decision.
  const scorer = a.score === null ? [] : [{ scorer: 'workflow', score: a.score, weight: 1, reason: a.passed ? 'passed' : 'did not pass' }];
  return {
    seq: a.seq, status: o.status, prompt: a.prompt, output: o.output, scores: scorer, score: a.score, passed: a.passed,
    attempts: o.attempts as TrialOutcome['attempts'], latencyMs: o.latencyMs,
    tokens: { input: o.tokens.input, output: o.tokens.output }, cost: o.cost,
    error: o.error ? { ...o.error, kind: o.error.kind as NonNullable<TrialOutcome['error']>['kind'] } : null,
    startedAt: o.startedAt, finishedAt: o.finishedAt,
  };
}
