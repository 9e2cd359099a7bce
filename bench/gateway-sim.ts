/**
 * The gateway's routing decisions, simulated through the very core the gateway runs
 * (src/gateway/core/route-core.ts): requests routed, answers finished, feedback arriving later and
 * out of order, tries failing over. Seeded, no clock, no HTTP: what the policy does with the
 * traffic, exactly, in milliseconds.
 *
 *   learning(...)  share of traffic on the better variant as feedback accumulates
 *   failover(...)  requests until traffic leaves a variant that started failing
 *   replayMix(...) quality and cost of the gateway's mix on tasks with known per-variant quality
 */
import type { Objective } from '../src/config/schema.js';
import { createRouteState, transition, type RouteState } from '../src/gateway/core/route-core.js';
import { createRandom, type Random } from '../src/model/random.js';
import type { PolicyConfig } from '../src/policies/index.js';

export interface SimVariant {
  /** Mean feedback score. */
  score: number;
  /** Spread of one feedback score around the mean (uniform, clamped to [0, 1]). */
  noise?: number;
  /** Dollars per request. */
  cost?: number;
}

function route(policy: PolicyConfig, arms: number, seed: number, objective: Objective = { score: 1, error: 0 }, fallbacks = 1, breaker = { failures: 5, cooldownMs: 30_000 }): RouteState {
  return createRouteState(
    { arms, policy, objective, seed, fallbacks, waitMs: 300_000, missing: 'skip', snapshotEvery: 1_000_000, breaker },
    { nextSeq: 0, rewards: [], awaiting: [] },
  );
}

function draw(v: SimVariant, rng: Random): number {
  const noise = v.noise ?? 0.3;
  return Math.min(1, Math.max(0, v.score + (rng.next() * 2 - 1) * noise));
}

/**
 * Requests arrive one a millisecond; each answer takes 5 ms; its feedback comes `delay` requests later
 * (out of order: the delay is random), until `feedbacks` feedback events were learned. Returns the
 * share of the last `window` routing choices that went to the best variant.
 */
export function learning(o: { policy: PolicyConfig; variants: SimVariant[]; feedbacks: number; window: number; seed: number; maxDelay?: number }): number {
  const state = route(o.policy, o.variants.length, o.seed);
  const rng = createRandom(o.seed).fork('feedback');
  const best = o.variants.reduce((b, v, i) => (v.score > o.variants[b]!.score ? i : b), 0);
  const due: { at: number; seq: number; arm: number }[] = [];
  const choices: number[] = [];
  let learned = 0;
  for (let seq = 0; learned < o.feedbacks; seq++) {
    const order = transition(state, { type: 'route', seq, pinned: null, steering: null, time: seq })[0];
    const arm = order?.type === 'order' ? order.arms[0]! : 0;
    choices.push(arm);
    transition(state, { type: 'start', seq, arm });
    transition(state, { type: 'finish', seq, arm, time: seq + 5, ok: true, cost: o.variants[arm]!.cost ?? 0, latencyMs: 5 });
    due.push({ at: seq + 5 + Math.floor(rng.next() * (o.maxDelay ?? 50)), seq, arm });
    due.sort((a, b) => a.at - b.at);
    while (due.length && due[0]!.at <= seq && learned < o.feedbacks) {
      const f = due.shift()!;
      transition(state, { type: 'feedback', seq: f.seq, score: draw(o.variants[f.arm]!, rng), time: seq });
      learned++;
    }
  }
  const last = choices.slice(-o.window);
  return last.filter((a) => a === best).length / last.length;
}

/**
 * `before` requests with feedback, then the best variant fails every try (the fallback answers):
 * the number of requests after the failures start until the best variant's share of the next 50
 * routing choices falls under 10% (or `limit` when it never does).
 */
export function failover(o: { policy: PolicyConfig; variants: SimVariant[]; before: number; seed: number; limit?: number; breaker?: { failures: number; cooldownMs: number } }): number {
  const state = route(o.policy, o.variants.length, o.seed, undefined, 1, o.breaker);
  const rng = createRandom(o.seed).fork('feedback');
  const best = o.variants.reduce((b, v, i) => (v.score > o.variants[b]!.score ? i : b), 0);
  const firsts: number[] = [];
  const limit = o.limit ?? 2000;
  for (let seq = 0; seq < o.before + limit; seq++) {
    const failing = seq >= o.before;
    const order = transition(state, { type: 'route', seq, pinned: null, steering: null, time: seq })[0];
    const arms = order?.type === 'order' ? order.arms : [0];
    let arm = arms[0]!;
    transition(state, { type: 'start', seq, arm });
    if (failing) firsts.push(arm);
    if (failing && arm === best && arms.length > 1) {
      transition(state, { type: 'fail', seq, arm, next: arms[1]!, latencyMs: 1, time: seq });
      arm = arms[1]!;
    }
    transition(state, { type: 'finish', seq, arm, time: seq, ok: true, cost: 0, latencyMs: 5 });
    transition(state, { type: 'feedback', seq, score: draw(o.variants[arm]!, rng), time: seq });
    if (firsts.length >= 50) {
      const recent = firsts.slice(-50);
      if (recent.filter((a) => a === best).length / 50 < 0.1) return firsts.length - 50;
    }
  }
  return limit;
}

/**
 * Tasks with a known quality per variant (score) and cost per variant: the gateway's mix (routed
 * by the policy, learning from each task's feedback) against sending everything to one variant.
 */
export function replayMix(o: { policy: PolicyConfig; objective: Objective; quality: number[][]; cost: number[]; seed: number }): { mix: { quality: number; cost: number; shares: number[] }; single: { quality: number; cost: number }[] } {
  const arms = o.cost.length;
  const state = route(o.policy, arms, o.seed, o.objective, 0);
  let quality = 0;
  let cost = 0;
  const counts = new Array<number>(arms).fill(0);
  o.quality.forEach((row, seq) => {
    const order = transition(state, { type: 'route', seq, pinned: null, steering: null, time: seq })[0];
    const arm = order?.type === 'order' ? order.arms[0]! : 0;
    counts[arm]!++;
    transition(state, { type: 'start', seq, arm });
    transition(state, { type: 'finish', seq, arm, time: seq, ok: true, cost: o.cost[arm]!, latencyMs: 5 });
    transition(state, { type: 'feedback', seq, score: row[arm]!, time: seq });
    quality += row[arm]!;
    cost += o.cost[arm]!;
  });
  const n = o.quality.length;
  return {
    mix: { quality: quality / n, cost, shares: counts.map((c) => c / n) },
    single: o.cost.map((c, arm) => ({ quality: o.quality.reduce((s, row) => s + row[arm]!, 0) / n, cost: c * n })),
  };
}
