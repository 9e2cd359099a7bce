/**
 * The routing decision of one route, pure: which variant serves a request and in what order the
 * others are tried after a retryable failure, and how each trial becomes the reward the policy learns,
 * with feedback arriving late and out of order. No clock (times come in the events), no I/O;
 * randomness only from the run's seed (`hashSeed(seed, 'choose', seq)` per request, one forked stream
 * for the policy's updates), so a stream of events always gives the same choices and rewards.
 *
 * A trial's reward is learned exactly once, when it is decided:
 * - an errored trial at once, with the objective's `error` reward;
 * - a successful one when its feedback arrives (the score), or, without feedback, when the route's
 *   `feedback.wait` ends: then with `feedback.missing` as the score, or not at all (`skip`);
 * - feedback that arrives while the trial is still in flight is held until it finishes.
 * Feedback for a trial already decided is recorded (reports show it) but not learned twice.
 */
import type { Objective } from '../../config/schema.js';
import { reward } from '../../engine/objective.js';
import { createRandom, hashSeed, type Random } from '../../model/random.js';
import { createPolicy, type PolicyConfig, type PolicySnapshot } from '../../policies/index.js';
import { steer, type Steering } from '../../policies/steer.js';
import type { Policy } from '../../policies/types.js';
import { AWAITING, IN_FLIGHT, Ledger } from './ledger.js';

/** What a route's core is built from (the validated route). */
export interface RouteCoreConfig {
  /** Variants (arms), in the route's order. */
  arms: number;
  policy: PolicyConfig;
  objective: Objective;
  seed: number;
  /** Further variants tried after a retryable failure of the first (bounded tries: 1 + fallbacks). */
  fallbacks: number;
  /** How long a successful trial waits for feedback before its reward is decided without it, ms. */
  waitMs: number;
  /** The score of a trial decided without feedback, or 'skip': not learned at all. */
  missing: 'skip' | number;
  /** A `snapshot` action every this many learned rewards. */
  snapshotEvery: number;
  /**
   * The route's circuit breaker: after `failures` failed tries of a variant in a row it is taken out
   * of routing for `cooldownMs` (then tried again: one more failure takes it out again; a success
   * closes it). 0 failures: off.
   */
  breaker: { failures: number; cooldownMs: number };
}

export interface RouteState {
  readonly config: RouteCoreConfig;
  readonly policy: Policy;
  /** Trials of each arm in flight (what choices count as pending). */
  readonly pending: Float64Array;
  readonly ledger: Ledger;
  /** The next trial's seq. */
  nextSeq: number;
  /** Rewards learned so far (replayed ones included). */
  learned: number;
  readonly all: readonly number[];
  readonly snapshotRandom: Random;
  /** Failed tries of each arm in a row. */
  readonly failStreak: Int32Array;
  /** Until when each arm's breaker is open (ms; 0: closed). */
  readonly openUntil: Float64Array;
}

/** A decided reward in the past, replayed on start (in the order rewards were decided). */
export interface PastReward {
  arm: number;
  reward: number;
  success: boolean;
  latencyMs: number;
  cost: number | null;
}

/** A finished successful trial still within its feedback wait when the gateway (re)starts. */
export interface PastAwaiting {
  seq: number;
  arm: number;
  finishedAt: number;
  cost: number | null;
  latencyMs: number;
}

export type RouteEvent =
  /** Which variants serve request `seq`, in order. `pinned`: the request named a variant itself. */
  | { type: 'route'; seq: number; pinned: number | null; steering: Steering | null; time: number }
  | { type: 'start'; seq: number; arm: number }
  /**
   * A try of `seq` on `arm` failed and the next variant takes the request over: the failed variant
   * learns the objective's error reward at once (a variant whose failures fallbacks hide still loses
   * traffic), and the trial moves to `next`.
   */
  | { type: 'fail'; seq: number; arm: number; next: number; latencyMs: number; time: number }
  | { type: 'finish'; seq: number; arm: number; time: number; ok: boolean; cost: number | null; latencyMs: number }
  | { type: 'feedback'; seq: number; score: number; time: number }
  | { type: 'tick'; time: number };

export type FeedbackOutcome =
  /** The reward was decided with this score now. */
  | 'learned'
  /** The trial is in flight: the score waits for it to finish. */
  | 'held'
  /** The reward was decided before (an error, a wait that ran out, or a restart): the score is recorded only. */
  | 'late';

export type RouteAction =
  | { type: 'order'; arms: number[] }
  /** Persist a decided reward (and the score it rests on, when it came from feedback). */
  | { type: 'reward'; seq: number; arm: number; reward: number; score: number | null }
  | { type: 'feedback'; seq: number; outcome: FeedbackOutcome }
  /** A failed try's error reward, learned (the trial itself is decided later, on the variant that answered). */
  | { type: 'failed'; seq: number; arm: number; reward: number; latencyMs: number; time: number }
  | { type: 'snapshot'; learned: number; snapshot: PolicySnapshot };

/**
 * A route's state, rebuilt from what was decided before: rewards replayed into the policy in the
 * order they were decided, trials still within their feedback wait put back to wait.
 *
 * @example
 * const state = createRouteState(config, { nextSeq: 0, rewards: [], awaiting: [] });
 */
export function createRouteState(config: RouteCoreConfig, past: { nextSeq: number; rewards: Iterable<PastReward>; awaiting: readonly PastAwaiting[] }): RouteState {
  const root = createRandom(config.seed);
  const policy = createPolicy(config.policy, config.arms, root.fork('policy-update'));
  const firstAwaiting = past.awaiting.reduce((m, a) => Math.min(m, a.seq), past.nextSeq);
  const state: RouteState = {
    config, policy, pending: new Float64Array(config.arms), ledger: new Ledger(firstAwaiting), nextSeq: past.nextSeq, learned: 0,
    all: Array.from({ length: config.arms }, (_, i) => i), snapshotRandom: root.fork('snapshot'),
    failStreak: new Int32Array(config.arms), openUntil: new Float64Array(config.arms),
  };
  for (const r of past.rewards) {
    if (r.arm < 0 || r.arm >= config.arms) continue;
    policy.update(r.arm, r.reward, { success: r.success, latencyMs: r.latencyMs, ...(r.cost !== null ? { cost: r.cost } : {}) });
    state.learned++;
  }
  for (const a of [...past.awaiting].sort((x, y) => x.finishedAt - y.finishedAt || x.seq - y.seq)) {
    if (a.arm < 0 || a.arm >= config.arms) continue;
    state.ledger.await(a.seq, { arm: a.arm, cost: a.cost, latencyMs: a.latencyMs }, a.finishedAt + config.waitMs);
  }
  return state;
}

/**
 * The route's transition: `(state, event) -> actions`. The state is updated in place (as the
 * controller's is) and the actions say what the shell must do.
 *
 * @example
 * const [order] = transition(state, { type: 'route', seq: 7, pinned: null, steering: null }); // { type: 'order', arms: [1, 0] }
 */
export function transition(state: RouteState, event: RouteEvent): RouteAction[] {
  switch (event.type) {
    case 'route':
      return [{ type: 'order', arms: order(state, event.seq, event.pinned, event.steering, event.time) }];
    case 'start':
      state.pending[event.arm] = (state.pending[event.arm] ?? 0) + 1;
      state.ledger.begin(event.seq, event.arm);
      if (event.seq >= state.nextSeq) state.nextSeq = event.seq + 1;
      return [];
    case 'fail':
      return fail(state, event);
    case 'finish':
      return finish(state, event);
    case 'feedback':
      return feedback(state, event);
    case 'tick':
      return expire(state, event.time);
  }
}

/** The variants to try, in order: the policy's choice (steered by the controller), then its next choices among the rest. */
function order(state: RouteState, seq: number, pinned: number | null, steering: Steering | null, time: number): number[] {
  if (pinned !== null) return [pinned];
  const { policy, pending, config } = state;
  const rng = createRandom(hashSeed(config.seed, 'choose', seq));
  const steered = steering?.eligible ?? state.all;
  // Variants whose breaker is open are left out, unless every one is (then the request tries them all).
  const closed = steered.filter((a) => state.openUntil[a]! <= time);
  const eligible = closed.length > 0 ? closed : steered;
  if (steering && closed.length !== steered.length) steering = { ...steering, eligible };
  const first = steering ? steer(policy, steering, { eligible, pending, rng }) : policy.choose({ eligible, pending, rng });
  const arms = [first];
  let rest = eligible.filter((a) => a !== first);
  while (arms.length <= config.fallbacks && rest.length > 0) {
    const next = rest.length === 1 ? rest[0]! : policy.choose({ eligible: rest, pending, rng });
    arms.push(next);
    rest = rest.filter((a) => a !== next);
  }
  return arms;
}

function fail(state: RouteState, e: Extract<RouteEvent, { type: 'fail' }>): RouteAction[] {
  const { config, policy } = state;
  state.pending[e.arm] = Math.max(0, (state.pending[e.arm] ?? 0) - 1);
  state.pending[e.next] = (state.pending[e.next] ?? 0) + 1;
  state.ledger.begin(e.seq, e.next);
  trip(state, e.arm, e.time);
  policy.update(e.arm, config.objective.error, { success: false, latencyMs: e.latencyMs });
  state.learned++;
  return [{ type: 'failed', seq: e.seq, arm: e.arm, reward: config.objective.error, latencyMs: e.latencyMs, time: e.time }];
}

/** One more failed try of `arm`: its breaker opens at the threshold (and again on each failure past it). */
function trip(state: RouteState, arm: number, time: number): void {
  const { failures, cooldownMs } = state.config.breaker;
  state.failStreak[arm] = (state.failStreak[arm] ?? 0) + 1;
  if (failures > 0 && state.failStreak[arm]! >= failures) state.openUntil[arm] = time + cooldownMs;
}

function finish(state: RouteState, e: Extract<RouteEvent, { type: 'finish' }>): RouteAction[] {
  const { ledger, config } = state;
  state.pending[e.arm] = Math.max(0, (state.pending[e.arm] ?? 0) - 1);
  const facts = { arm: e.arm, cost: e.cost, latencyMs: e.latencyMs };
  const held = ledger.state(e.seq) === IN_FLIGHT ? ledger.heldScore(e.seq) : null;
  if (e.ok) state.failStreak[e.arm] = 0;
  else trip(state, e.arm, e.time);
  if (!e.ok) {
    ledger.decide(e.seq);
    return learn(state, e.seq, facts, false, null, config.objective.error);
  }
  if (held !== null) {
    ledger.decide(e.seq);
    return learn(state, e.seq, facts, true, held, null);
  }
  if (config.waitMs <= 0) {
    ledger.decide(e.seq);
    return config.missing === 'skip' ? [] : learn(state, e.seq, facts, true, null, null);
  }
  ledger.await(e.seq, facts, e.time + config.waitMs);
  return [];
}

function feedback(state: RouteState, e: Extract<RouteEvent, { type: 'feedback' }>): RouteAction[] {
  const { ledger } = state;
  const st = ledger.state(e.seq);
  if (st === IN_FLIGHT) {
    ledger.hold(e.seq, e.score);
    return [{ type: 'feedback', seq: e.seq, outcome: 'held' }];
  }
  if (st === AWAITING) {
    const facts = ledger.facts(e.seq);
    ledger.decide(e.seq);
    return [{ type: 'feedback', seq: e.seq, outcome: 'learned' }, ...learn(state, e.seq, facts, true, e.score, null)];
  }
  return [{ type: 'feedback', seq: e.seq, outcome: 'late' }];
}

function expire(state: RouteState, time: number): RouteAction[] {
  const out: RouteAction[] = [];
  for (const seq of state.ledger.expired(time)) {
    const facts = state.ledger.facts(seq);
    state.ledger.decide(seq);
    if (state.config.missing !== 'skip') out.push(...learn(state, seq, facts, true, null, null));
  }
  return out;
}

/**
 * Learns one decided reward. `score`: feedback's; null for a success without feedback (then
 * `missing` is the score). `fixed`: a reward set outright (an error's).
 */
function learn(state: RouteState, seq: number, facts: { arm: number; cost: number | null; latencyMs: number }, ok: boolean, score: number | null, fixed: number | null): RouteAction[] {
  const { config } = state;
  const missing = typeof config.missing === 'number' ? config.missing : null;
  const r = fixed ?? reward(config.objective, { status: ok ? 'ok' : 'error', score: score ?? missing, cost: facts.cost, latencyMs: facts.latencyMs });
  state.policy.update(facts.arm, r, { success: ok, latencyMs: facts.latencyMs, ...(facts.cost !== null ? { cost: facts.cost } : {}) });
  state.learned++;
  const out: RouteAction[] = [{ type: 'reward', seq, arm: facts.arm, reward: r, score }];
  if (state.learned % config.snapshotEvery === 0) {
    out.push({ type: 'snapshot', learned: state.learned, snapshot: state.policy.snapshot(state.snapshotRandom.fork(state.learned)) });
  }
  return out;
}
