/**
 * A route's continuous run, as the gateway process holds it: the run in the store (created, or found
 * again and claimed after a restart), the route's pure core rebuilt from what was decided before, the
 * run's TrialWriter (batched; the gateway is the run's one writer), feedback and rewards written in
 * their own batches, the claim's lease kept, and the controller watching the route when configured.
 *
 * One run per route, not one for the gateway: a route is one bandit over its own variants, so its
 * run is what `report`, `decisions`, the dashboard and the controller already understand (one
 * experiment, one policy, one set of arms).
 */
import type { Experiment } from '../../config/experiment.js';
import { startControllerShell, type ControllerShell } from '../../engine/controller-shell.js';
import { asStoreFailure, claimForResume, guardProcessExit, keepClaim } from '../../engine/ownership.js';
import { newRunId } from '../../engine/run-id.js';
import { hashSeed } from '../../model/random.js';
import type { Task } from '../../model/task.js';
import type { TrialOutcome, TrialSpec } from '../../model/trial.js';
import { LEASE_MS, newOwner, type RunOwner } from '../../store/claim.js';
import { decidedRewards, failedTries, FeedbackWriter, type FeedbackRow, findGatewayRun, interruptedTrials, nextSeqOf, taskIndex, trialForFeedback, undecidedTrials } from '../../store/gateway-store.js';
import type { SqliteStore } from '../../store/sqlite-store.js';
import type { TrialSink } from '../../store/store.js';
import type { GatewayConfig, GatewayRoute } from '../config/load.js';
import { createRouteState, transition, type FeedbackOutcome, type PastReward, type RouteAction, type RouteState } from '../core/route-core.js';

/** The task a request without a gateway key is recorded under. */
export const ANONYMOUS = 'anonymous';

/** Where a request stands once routed: its trial and the variants to try, in order. */
export interface Routed {
  seq: number;
  arms: number[];
}

/**
 * @example
 * const run = RouteRun.open(store, config, route, { env, redact, keys: ['app'] });
 * const { seq, arms } = run.choose(null, "key:app");
 */
export class RouteRun {
  readonly runId: string;
  readonly state: RouteState;
  private readonly writer: TrialSink;
  private readonly feedbackWriter: FeedbackWriter;
  private readonly tasks: Map<string, number>;
  private readonly taskList: Task[];
  private readonly controller: ControllerShell | null;
  private readonly lease: { stop(): void };
  private readonly unguard: () => void;
  private readonly timer: NodeJS.Timeout;
  private failure: unknown = null;
  /** Specs of trials in flight, by seq (the outcome needs them back). */
  private readonly inFlight = new Map<number, TrialSpec>();
  /** Feedback that arrived while its trial was in flight, written once the trial is. */
  private readonly heldFeedback = new Map<number, FeedbackRow>();
  /** The variant each in-flight trial's row was scheduled on. */
  private readonly scheduledVariant = new Map<number, string>();

  private constructor(
    private readonly store: SqliteStore,
    readonly route: GatewayRoute,
    readonly experiment: Experiment,
    runId: string,
    private readonly owner: RunOwner,
    resumed: boolean,
    private readonly o: { env: NodeJS.ProcessEnv; redact: (t: string) => string; controllerClockMs?: number },
  ) {
    this.runId = runId;
    const db = store.db;
    this.tasks = taskIndex(db, runId);
    this.taskList = [...experiment.tasks];
    const now = Date.now();
    const nextSeq = nextSeqOf(db, runId);
    const waitMs = route.feedback.waitMs;
    const rewards = resumed ? pastRewards(store, runId, experiment, waitMs) : [];
    const awaiting = resumed ? undecidedTrials(db, runId, now - waitMs).map((t) => ({ seq: t.seq, arm: armOf(experiment, t.variantId), finishedAt: t.finishedAt, cost: t.cost, latencyMs: t.latencyMs })) : [];
    this.state = createRouteState(
      {
        arms: route.variants.length, policy: route.policy, objective: route.objective, seed: experiment.seed, fallbacks: route.fallbacks,
        waitMs, missing: route.feedback.missing, snapshotEvery: route.snapshotEvery, breaker: route.breaker,
      },
      { nextSeq, rewards, awaiting },
    );
    this.writer = store.trialWriter(runId, { owner: owner.token, onError: (e) => this.fail(e) });
    this.feedbackWriter = new FeedbackWriter(db, runId, owner.token);
    if (resumed) this.closeInterrupted();
    this.controller = route.controller
      ? startControllerShell({
          runId, experiment, config: route.controller, store, writer: this.writer, env: o.env, redact: o.redact,
          nextSeq: () => this.state.nextSeq, steerable: true, ...(o.controllerClockMs ? { clockMs: o.controllerClockMs } : {}),
        })
      : null;
    this.lease = keepClaim(store, runId, owner.token, LEASE_MS, (e) => this.fail(e));
    this.unguard = guardProcessExit(store, runId, owner.token);
    // Feedback waits end on the clock: a tick a second decides the rewards whose wait ran out.
    this.timer = setInterval(() => this.tick(Date.now()), 1000);
    this.timer.unref();
  }

  /**
   * The route's run: the latest one of this route of this gateway file, claimed again (a killed
   * gateway's run is taken over: its pid is dead or its lease ran out), or a new one when there is
   * none or its variants changed.
   */
  static open(store: SqliteStore, config: GatewayConfig, route: GatewayRoute, o: { env: NodeJS.ProcessEnv; redact: (t: string) => string; keys: readonly string[]; controllerClockMs?: number }): RouteRun {
    const name = `gateway/${route.name}`;
    const owner = newOwner();
    const found = findGatewayRun(store.db, config.source, name);
    const tasks: Task[] = [ANONYMOUS, ...o.keys.map((k) => `key:${k}`)].map((id) => ({ id, input: {} }));
    if (found) {
      const stored = JSON.parse(found.config) as Omit<Experiment, 'tasks'>;
      const same = stored.variants.map((v) => v.id).join('\n') === route.variants.map((v) => v.id).join('\n');
      if (same) {
        claimForResume(store, found.id, owner);
        const experiment: Experiment = { ...experimentOf(config, route, found.seed, []), tasks: [] };
        const known = taskIndex(store.db, found.id);
        let next = known.size;
        for (const t of tasks) if (!known.has(t.id)) store.defineTask(found.id, next++, t);
        experiment.tasks = [...store.queries().tasks(found.id)];
        return new RouteRun(store, route, experiment, found.id, owner, true, o);
      }
      // The route's variants changed: a new run (the old one's arms would not mean the same).
      if (found.status === 'running') {
        try {
          claimForResume(store, found.id, owner);
          store.releaseRun(found.id, owner.token, { status: 'interrupted', stopReason: 'interrupted', finishedAt: Date.now(), pid: null });
        } catch {
          // held by a live gateway: leave it
        }
      }
    }
    const seed = config.seed ?? Math.floor(Math.random() * 2 ** 32);
    const experiment = experimentOf(config, route, hashSeed(seed, route.name) >>> 0, tasks);
    const runId = newRunId();
    store.createRun(runId, experiment, null, owner);
    return new RouteRun(store, route, experiment, runId, owner, false, o);
  }

  /** Chooses the variants for a new request (`pinned`: the variant it named) and records its trial as scheduled. */
  choose(pinned: number | null, task: string): Routed {
    this.check();
    const seq = this.state.nextSeq;
    const steering = this.controller ? this.controller.steering(seq) : null;
    const actions = transition(this.state, { type: 'route', seq, pinned, steering, time: Date.now() });
    const order = actions[0];
    const arms = order && order.type === 'order' ? order.arms : [0];
    this.state.nextSeq = seq + 1;
    this.taskIdx(task);
    return { seq, arms };
  }

  /** The trial of `seq` is being tried on `arm` (the first try, or a fallback). */
  start(seq: number, arm: number, task: string): TrialSpec {
    const taskIdx = this.taskIdx(task);
    const spec: TrialSpec = {
      runId: this.runId, seq, variantId: this.route.variants[arm]!.id, task: this.taskList[taskIdx]!, taskIdx, repeat: 0, seed: hashSeed(this.experiment.seed, 'trial', seq) >>> 0,
    };
    if (!this.inFlight.has(seq)) {
      this.writer.scheduled(spec);
      this.scheduledVariant.set(seq, spec.variantId);
    }
    this.inFlight.set(seq, spec);
    this.perform(transition(this.state, { type: 'start', seq, arm }));
    this.controller?.onTrialStart?.(spec);
    return spec;
  }

  /**
   * The trial of `seq` ended on `arm`. A failed try that a fallback takes over is recorded in the
   * outcome's attempts; only the last try writes the trial.
   */
  finish(seq: number, arm: number, outcome: TrialOutcome): void {
    const spec = this.inFlight.get(seq);
    if (!spec) return;
    this.inFlight.delete(seq);
    const finalSpec = spec;
    const moved = spec.variantId !== this.scheduledVariant.get(seq);
    this.scheduledVariant.delete(seq);
    const actions = transition(this.state, { type: 'finish', seq, arm, time: outcome.finishedAt, ok: outcome.status === 'ok', cost: outcome.cost, latencyMs: outcome.latencyMs });
    // The reward decided at once (an error's, or no feedback wait) goes with the trial's row.
    const now = actions.find((a): a is Extract<RouteAction, { type: 'reward' }> => a.type === 'reward' && a.seq === seq);
    this.writer.finished(finalSpec, outcome, now ? now.reward : null);
    this.perform(actions.filter((a) => a !== now));
    const held = this.heldFeedback.get(seq);
    if (held) {
      this.heldFeedback.delete(seq);
      this.feedbackWriter.feedback(held);
      this.flushFeedback();
    }
    if (moved) {
      // The row was scheduled on the first variant tried; the one that answered is the trial's.
      this.feedbackWriter.variant(seq, spec.variantId);
      this.flushFeedback();
    }
    this.controller?.onTrialEnd?.(finalSpec, outcome);
  }

  /** A failed try before a fallback: the failed variant learns its error at once; the trial moves on to `toArm`. */
  retry(seq: number, fromArm: number, toArm: number, latencyMs: number): void {
    const spec = this.inFlight.get(seq);
    if (!spec) return;
    this.perform(transition(this.state, { type: 'fail', seq, arm: fromArm, next: toArm, latencyMs, time: Date.now() }));
    spec.variantId = this.route.variants[toArm]!.id;
  }

  /**
   * Feedback on trial `seq`: recorded once (the first counts), learned when its trial's reward is
   * still undecided. Unknown seqs are refused.
   */
  feedback(seq: number, score: number, source: string, comment: string | null): { outcome: FeedbackOutcome } | { error: string } {
    this.check();
    const inFlight = this.inFlight.has(seq);
    if (!inFlight) {
      this.writer.flush();
      const known = trialForFeedback(this.store.db, this.runId, seq);
      if (!known) return { error: `no trial ${seq} in run ${this.runId}` };
      if (known.feedback !== null) return { outcome: 'late' };
    }
    // The first feedback counts, also while the request is still streaming.
    if (inFlight && this.heldFeedback.has(seq)) return { outcome: 'late' };
    const now = Date.now();
    const actions = transition(this.state, { type: 'feedback', seq, score, time: now });
    const row = { seq, score, passed: score >= this.experiment.threshold, source, comment, receivedAt: now };
    // Feedback on a request still streaming waits for its trial's row (the score is set on a finished trial).
    if (inFlight) {
      if (!this.heldFeedback.has(seq)) this.heldFeedback.set(seq, row);
    } else {
      this.feedbackWriter.feedback(row);
    }
    this.perform(actions);
    const outcome = actions.find((a) => a.type === 'feedback');
    this.flushFeedback();
    return { outcome: outcome && outcome.type === 'feedback' ? outcome.outcome : 'late' };
  }

  /** An event in the run's log (a judge that failed, ...). */
  note(type: string, data: unknown): void {
    if (!this.failure) this.writer.event(type, data);
  }

  /** Decides rewards whose feedback wait ran out. */
  tick(now: number): void {
    if (this.failure) return;
    this.perform(transition(this.state, { type: 'tick', time: now }));
    this.flushFeedback();
  }

  /** The first store failure (a lost claim, a full disk): the route answers 503 from then on. */
  get failed(): unknown {
    return this.failure;
  }

  /** Writes everything queued and releases the run (interrupted: it continues when the gateway starts again). */
  close(): Promise<void> {
    clearInterval(this.timer);
    this.lease.stop();
    const done = this.controller ? this.controller.close() : Promise.resolve();
    return done.then(() => {
      try {
        this.writer.close();
        this.flushFeedback();
        this.store.releaseRun(this.runId, this.owner.token, { status: 'interrupted', stopReason: 'interrupted', finishedAt: Date.now(), pid: null });
      } catch (error) {
        this.fail(error);
      } finally {
        this.unguard();
      }
    });
  }

  private perform(actions: readonly RouteAction[]): void {
    for (const a of actions) {
      if (a.type === 'reward') this.feedbackWriter.reward(a.seq, a.reward);
      // Everything a restart needs to learn this failed try again (failedTries in the store).
      else if (a.type === 'failed') this.writer.event('fallback', { seq: a.seq, variant: this.route.variants[a.arm]!.id, reward: a.reward, latencyMs: a.latencyMs, at: a.time });
      else if (a.type === 'snapshot') this.writer.event('policy', { learned: a.learned, snapshot: a.snapshot });
    }
  }

  private flushFeedback(): void {
    if (!this.feedbackWriter.pending) return;
    try {
      // The trials a reward names are written before it.
      this.writer.flush();
      this.feedbackWriter.flush();
    } catch (error) {
      this.fail(error);
    }
  }

  private taskIdx(task: string): number {
    const known = this.tasks.get(task);
    if (known !== undefined) return known;
    const idx = this.taskList.length;
    const t: Task = { id: task, input: {} };
    this.store.defineTask(this.runId, idx, t);
    this.taskList.push(t);
    this.tasks.set(task, idx);
    return idx;
  }

  /** Trials a killed gateway left in flight: recorded as errors now, so none is lost or left open. */
  private closeInterrupted(): void {
    const now = Date.now();
    for (const t of interruptedTrials(this.store.db, this.runId)) {
      const spec: TrialSpec = { runId: this.runId, seq: t.seq, variantId: t.variantId, task: this.taskList[t.taskIdx] ?? { id: t.taskId, input: {} }, taskIdx: t.taskIdx, repeat: t.repeat, seed: t.seed };
      this.writer.finished(spec, {
        seq: t.seq, status: 'error', prompt: '', output: null, scores: [], score: null, passed: null, attempts: [], latencyMs: 0,
        tokens: { input: null, output: null }, cost: null,
        error: { kind: 'cancelled', message: 'the gateway stopped before this request was answered', retryable: false },
        startedAt: t.scheduledAt, finishedAt: now,
      }, null);
    }
    this.writer.flush();
  }

  private check(): void {
    if (this.failure) throw asStoreFailure(this.failure, this.runId, 'recording requests');
  }

  private fail(error: unknown): void {
    this.failure ??= error;
  }
}

function armOf(experiment: Experiment, variantId: string): number {
  return experiment.variants.findIndex((v) => v.id === variantId);
}

/**
 * What the route's policy learned before, in the order it learned it: the trials' decided rewards
 * merged with the failed tries fallbacks took over (a failure learned at once, before the trial that
 * moved on is decided; so at equal times the failed try comes first).
 */
function pastRewards(store: SqliteStore, runId: string, experiment: Experiment, waitMs: number): PastReward[] {
  const out: PastReward[] = [];
  const tries = failedTries(store.db, runId);
  let i = 0;
  const learnTriesUntil = (time: number) => {
    for (; i < tries.length && tries[i]!.at <= time; i++) {
      const t = tries[i]!;
      out.push({ arm: armOf(experiment, t.variantId), reward: t.reward, success: false, latencyMs: t.latencyMs, cost: null });
    }
  };
  for (const r of decidedRewards(store.db, runId, waitMs)) {
    learnTriesUntil(r.decidedAt);
    out.push({ arm: armOf(experiment, r.variantId), reward: r.reward, success: r.status === 'ok', latencyMs: r.latencyMs, cost: r.cost });
  }
  learnTriesUntil(Infinity);
  return out;
}

/** The experiment a route's run records: its variants, policy and objective, in continuous mode. */
function experimentOf(config: GatewayConfig, route: GatewayRoute, seed: number, tasks: Task[]): Experiment {
  const e: Experiment = {
    name: `gateway/${route.name}`, mode: 'continuous', seed, repeats: 1, concurrency: 1024, timeoutMs: route.timeoutMs, retries: 0, threshold: 0.5,
    budget: {}, policy: route.policy as Experiment['policy'] & object, objective: route.objective, snapshotEvery: route.snapshotEvery,
    variants: route.variants, scorers: [], tasks, baseDir: config.baseDir, source: config.source,
  };
  if (route.description !== undefined) e.description = route.description;
  if (route.controller) e.controller = route.controller;
  return e;
}
