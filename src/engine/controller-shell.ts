import type { Experiment } from '../config/experiment.js';
import type { ControllerConfig } from '../controller/config.js';
import { transition, type ControllerEvent } from '../controller/core.js';
import type { ControllerAction } from '../controller/decide.js';
import type { Decision } from '../controller/decision.js';
import { createEscalator, escalationTarget, ESCALATION_SCHEMA_VERSION, type EscalationPayload, type Escalator } from '../controller/escalation.js';
import { controllerMetrics } from '../controller/metrics.js';
import { createController, type ControllerState } from '../controller/state.js';
import { steeringFor } from '../controller/steering.js';
import type { Attempt, TrialOutcome, TrialSpec } from '../model/trial.js';
import type { Steering } from '../policies/steer.js';
import type { DecisionRecord } from '../store/records.js';
import type { Store, TrialSink } from '../store/store.js';
import { reward } from './objective.js';
import type { RunObserver, StopReason } from './types.js';

export interface ControllerShellOptions {
  runId: string;
  experiment: Experiment;
  config: ControllerConfig;
  store: Store;
  writer: TrialSink;
  env: NodeJS.ProcessEnv;
  redact: (text: string) => string;
  /** One past the highest seq dispatched so far (the scheduler's). */
  nextSeq: () => number;
  /** False for a grid: allocation actions become escalations. */
  steerable: boolean;
  /** How often the stall check, the command poll and the metrics snapshot run (default 1 s). */
  clockMs?: number;
  escalator?: Escalator;
}

/**
 * The controller's thin shell in the engine: feeds the pure core every finished trial and a clock
 * event each second, performs its actions (write the decision log, escalate, pause) and applies the
 * commands people send (`metaorch undo`). On resume it rebuilds the core by replaying the finished
 * trials in the order they finished, with the stall decisions and commands of the log injected where
 * they happened, and heals the log where a crash cut it short.
 */
export interface ControllerShell extends RunObserver {
  readonly state: ControllerState;
  steering(seq: number): Steering;
  /** 'paused' once the controller paused the run. */
  shouldStop(): StopReason | null;
  /** Stops the clock and waits (bounded) for escalations in flight. */
  close(): Promise<void>;
}

const CLOSE_WAIT_MS = 30_000;

/** @example const shell = startControllerShell({ runId, experiment, config, store, writer, env, redact, nextSeq: () => scheduler.nextSeq, steerable: true }); */
export function startControllerShell(o: ControllerShellOptions): ControllerShell {
  const { runId, experiment, config, store, writer } = o;
  const armOf = new Map(experiment.variants.map((v, i) => [v.id, i]));
  const state = rebuildController(store, runId, experiment, config, o.steerable);
  const escalate = o.escalator ?? createEscalator(escalationTarget(config.escalate, o.env), o.redact);
  const inFlightEscalations = new Set<Promise<void>>();
  const scratch: Extract<ControllerEvent, { type: 'trial' }> = {
    type: 'trial', seq: 0, nextSeq: 0, arm: 0, time: 0, status: 'ok', errorKind: null, score: null, reward: 0, latencyMs: 0, cost: 0, attempts: 1,
  };
  let inFlight = 0;
  let paused = false;

  const perform = (actions: readonly ControllerAction[]): void => {
    for (const a of actions) {
      switch (a.type) {
        case 'record':
          // Trials the decision rests on are committed before it: a resume then replays to the same place.
          writer.flush();
          store.controller.record(runId, a.decision as DecisionRecord);
          break;
        case 'update':
          store.controller.update(runId, a.id, { ...(a.validation ? { validation: a.validation } : {}), ...(a.undoneBy !== undefined ? { undoneBy: a.undoneBy } : {}) });
          break;
        case 'pause':
          paused = true;
          break;
        case 'escalate':
          send(a.decision);
          break;
        case 'refused':
          break;
      }
    }
  };

  const send = (decision: Decision): void => {
    const payload: EscalationPayload = {
      schemaVersion: ESCALATION_SCHEMA_VERSION, kind: 'meta-orchestrator/escalation', run: { id: runId, name: experiment.name },
      decision: { ...decision }, sentAt: new Date().toISOString(),
    };
    const p = escalate(payload)
      .then((result) => store.controller.update(runId, decision.id, { delivery: result }))
      .catch(() => undefined)
      .finally(() => inFlightEscalations.delete(p));
    inFlightEscalations.add(p);
  };

  const clock = (): void => {
    perform(transition(state, { type: 'clock', time: Date.now(), inFlight }).actions);
    for (const command of store.controller.pendingCommands(runId)) {
      const actions = transition(state, { type: 'undo', time: Date.now(), decision: command.decision, reason: command.reason }).actions;
      perform(actions);
      const refused = actions.find((a) => a.type === 'refused');
      const made = actions.find((a) => a.type === 'record');
      store.controller.completeCommand(runId, command.id, refused?.type === 'refused' ? `refused: ${refused.reason}` : `applied: decision ${made?.type === 'record' ? made.decision.id : '?'}`, state.finished);
    }
    store.controller.saveMetrics(runId, Date.now(), controllerMetrics(state));
  };
  const timer = setInterval(clock, o.clockMs ?? 1000);
  timer.unref();

  return {
    state,
    steering: (seq) => steeringFor(state, seq),
    shouldStop: () => (paused ? 'paused' : null),
    onTrialStart: () => {
      inFlight++;
    },
    onTrialEnd: (spec: TrialSpec, outcome: TrialOutcome) => {
      inFlight--;
      const arm = armOf.get(spec.variantId);
      if (arm === undefined) return;
      // A scratch event: the core reads it and keeps nothing of it, so the hot path allocates nothing.
      const e = scratch;
      // Tries that failed on other variants before this one answered (gateway fallbacks) come first.
      if (outcome.attempts.length > 1) feedMovedTries(state, outcome.attempts, spec.variantId, spec.seq, o.nextSeq(), outcome.finishedAt, armOf, experiment, perform);
      e.seq = spec.seq;
      e.nextSeq = o.nextSeq();
      e.arm = arm;
      e.time = outcome.finishedAt;
      e.status = outcome.status;
      e.errorKind = outcome.error?.kind ?? null;
      e.score = outcome.score;
      e.reward = reward(experiment.objective, outcome);
      e.latencyMs = outcome.latencyMs;
      e.cost = outcome.cost;
      e.attempts = outcome.attempts.length;
      const { actions } = transition(state, e);
      if (actions.length) perform(actions);
    },
    async close() {
      clearInterval(timer);
      clock();
      const wait = Promise.allSettled([...inFlightEscalations]);
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([wait, new Promise<void>((resolve) => (timeout = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timeout);
    },
  };
}

/**
 * Each attempt that failed on another variant than `answered` (a gateway fallback) as an errored trial
 * of that variant, fed before the trial itself: its circuit breaker sees the failures fallbacks hide.
 * The same function feeds a live trial and a replayed one, so a resume reaches the same state.
 */
function feedMovedTries(
  state: ControllerState, attempts: readonly Attempt[], answered: string, seq: number, nextSeq: number, time: number,
  armOf: ReadonlyMap<string, number>, experiment: Experiment, perform: (actions: readonly ControllerAction[]) => void,
): void {
  for (const a of attempts) {
    if (!a.error || a.variant === undefined || a.variant === answered) continue;
    const arm = armOf.get(a.variant);
    if (arm === undefined) continue;
    const r = reward(experiment.objective, { status: 'error', score: null, cost: null, latencyMs: a.latencyMs });
    const { actions } = transition(state, {
      type: 'trial', seq, nextSeq, arm, time, status: 'error', errorKind: a.error.kind, score: null, reward: r, latencyMs: a.latencyMs, cost: null, attempts: 1,
    });
    if (actions.length) perform(actions);
  }
}

function trialEvent(seq: number, nextSeq: number, arm: number, o: Pick<TrialOutcome, 'status' | 'error' | 'score' | 'latencyMs' | 'cost' | 'attempts' | 'finishedAt'>, r: number): ControllerEvent {
  return {
    type: 'trial', seq, nextSeq, arm, time: o.finishedAt, status: o.status, errorKind: o.error?.kind ?? null, score: o.score, reward: r,
    latencyMs: o.latencyMs, cost: o.cost, attempts: o.attempts.length,
  };
}

/**
 * The controller of a run as its decisions and trials so far make it (what resume and an offline
 * `metaorch undo` start from). Rebuilds the core from the store: finished trials in finish order, with the decisions that came
 * from clock events (stalls) and the commands (undo) injected after the trial count they were taken
 * at. Decisions the replay makes are compared with the log; what the log lacks (a crash between a
 * decision and its write) is written now, without escalating again.
 */
export function rebuildController(store: Store, runId: string, experiment: Experiment, config: ControllerConfig, steerable: boolean): ControllerState {
  const minShare = experiment.policy?.['minShare'];
  const state = createController({
    config, seed: experiment.seed, steerable,
    variants: experiment.variants.map((v) => ({ id: v.id, retries: v.retries ?? experiment.retries })),
    ...(typeof minShare === 'number' ? { policyMinShare: minShare } : {}),
  });
  replay(state, store, runId, experiment);
  return state;
}

function replay(state: ControllerState, store: Store, runId: string, experiment: Experiment): void {
  const stored = store.controller.list(runId);
  if (stored.length === 0 && store.runTotals(runId).finished === 0) return;
  const armOf = new Map(experiment.variants.map((v, i) => [v.id, i]));
  const injected = new Map<number, ControllerEvent[]>();
  const inject = (at: number, e: ControllerEvent) => injected.set(at, [...(injected.get(at) ?? []), e]);
  for (const d of stored) {
    if (d.detector === 'noProgress' && d.source === 'controller') {
      const evidence = d.evidence as { samples?: { current?: number } } | null;
      inject(d.atTrial, { type: 'clock', time: d.time, inFlight: evidence?.samples?.current ?? 1 });
    }
  }
  for (const c of store.controller.doneCommands(runId)) {
    if (c.atTrial !== null && c.result?.startsWith('applied')) inject(c.atTrial, { type: 'undo', time: c.doneAt ?? 0, decision: c.decision, reason: c.reason });
  }
  const made: Decision[] = [];
  const updates = new Map<number, Extract<ControllerAction, { type: 'update' }>[]>();
  const apply = (e: ControllerEvent) => {
    for (const a of transition(state, e).actions) {
      if (a.type === 'record') made.push(a.decision);
      if (a.type === 'update') updates.set(a.id, [...(updates.get(a.id) ?? []), a]);
    }
  };
  for (const e of injected.get(0) ?? []) apply(e);
  for (const t of store.controller.history(runId)) {
    const arm = armOf.get(t.variantId);
    if (arm === undefined) continue;
    const outcome = {
      status: t.status, error: t.errorKind ? { kind: t.errorKind, message: '', retryable: false } : null, score: t.score, latencyMs: t.latencyMs, cost: t.cost,
      attempts: Array.from({ length: Math.max(1, t.attempts) }, (_, i) => ({ n: i + 1, latencyMs: 0 })), finishedAt: t.finishedAt,
    } as Parameters<typeof trialEvent>[3];
    if (t.movedAttempts) {
      feedMovedTries(state, JSON.parse(t.movedAttempts) as Attempt[], t.variantId, t.seq, t.seq + 1, t.finishedAt, armOf, experiment, (actions) => {
        for (const a of actions) {
          if (a.type === 'record') made.push(a.decision);
          if (a.type === 'update') updates.set(a.id, [...(updates.get(a.id) ?? []), a]);
        }
      });
    }
    apply(trialEvent(t.seq, t.seq + 1, arm, outcome, t.reward ?? reward(experiment.objective, { status: t.status, score: t.score, cost: t.cost, latencyMs: t.latencyMs })));
    for (const e of injected.get(state.finished) ?? []) apply(e);
  }
  heal(state, store, runId, stored, made, updates);
}

function heal(
  state: ControllerState, store: Store, runId: string, stored: DecisionRecord[], made: Decision[],
  updates: Map<number, Extract<ControllerAction, { type: 'update' }>[]>,
): void {
  const byId = new Map(stored.map((d) => [d.id, d]));
  const mismatches: string[] = [];
  for (const d of made) {
    const s = byId.get(d.id);
    if (!s) {
      store.controller.record(runId, { ...(d as DecisionRecord), delivery: d.escalate ? { status: 'skipped', note: 'decision recovered on resume; not escalated again' } : null });
      continue;
    }
    if (s.kind !== d.kind || s.target !== d.target) mismatches.push(`${d.id}: log ${s.kind} ${s.target}, replay ${d.kind} ${d.target}`);
    for (const u of updates.get(d.id) ?? []) {
      if (u.validation && s.validation.status !== u.validation.status) store.controller.update(runId, d.id, { validation: u.validation });
      if (u.undoneBy !== undefined && s.undoneBy !== u.undoneBy) store.controller.update(runId, d.id, { undoneBy: u.undoneBy });
    }
    // The validation of a change still under test counts trials from its recorded first seq.
    for (const v of state.validations) if (v && v.decisionId === d.id) v.fromSeq = s.fromSeq;
  }
  const maxStored = stored.reduce((m, d) => Math.max(m, d.id), 0);
  if (made.length < stored.filter((d) => d.source === 'controller' || d.source === 'manual' || d.source === 'forced').length) {
    mismatches.push(`the log has ${stored.length} decisions, the replay made ${made.length}`);
  }
  if (mismatches.length) store.appendEvent(runId, 'controller', { action: 'replay-mismatch', mismatches: mismatches.slice(0, 20) });
  state.nextId = Math.max(state.nextId, maxStored + 1);
  // A resume is a person's choice to go on: a pause or a stall from before it does not hold the run.
  state.paused = false;
  state.stalled = false;
}
