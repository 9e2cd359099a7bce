import { describe, expect, it } from 'vitest';
import { createRouteState, transition, type RouteAction, type RouteCoreConfig, type RouteState } from './route-core.js';

const base: RouteCoreConfig = {
  arms: 2, policy: { name: 'gaussian-thompson', discount: 0.999 }, objective: { score: 1, error: 0 }, seed: 11, fallbacks: 1,
  waitMs: 60_000, missing: 'skip', snapshotEvery: 1_000_000, breaker: { failures: 3, cooldownMs: 10_000 },
};

function fresh(config: Partial<RouteCoreConfig> = {}): RouteState {
  return createRouteState({ ...base, ...config }, { nextSeq: 0, rewards: [], awaiting: [] });
}

function route(state: RouteState, seq: number, time = 0): number[] {
  const [order] = transition(state, { type: 'route', seq, pinned: null, steering: null, time });
  return order?.type === 'order' ? order.arms : [];
}

function rewards(actions: RouteAction[]): [number, number][] {
  return actions.flatMap((a) => (a.type === 'reward' ? [[a.seq, a.reward] as [number, number]] : []));
}

/** Routes, starts and finishes one request; returns the arm. */
function serve(state: RouteState, seq: number, time: number, ok = true): { arm: number; actions: RouteAction[] } {
  const arm = route(state, seq, time)[0]!;
  transition(state, { type: 'start', seq, arm });
  return { arm, actions: transition(state, { type: 'finish', seq, arm, time, ok, cost: 0.001, latencyMs: 20 }) };
}

describe('route core', () => {
  it('is a pure function of the events: the same stream gives the same choices and rewards', () => {
    const run = () => {
      const state = fresh();
      const out: number[] = [];
      for (let seq = 0; seq < 200; seq++) {
        const { arm } = serve(state, seq, seq);
        out.push(arm);
        out.push(...rewards(transition(state, { type: 'feedback', seq, score: arm === 1 ? 0.9 : 0.2, time: seq })).flat());
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  it('orders the variants to try: the choice first, then distinct fallbacks, bounded; a named variant alone', () => {
    const state = fresh({ arms: 4, fallbacks: 2 });
    for (let seq = 0; seq < 50; seq++) {
      const arms = route(state, seq);
      expect(arms).toHaveLength(3);
      expect(new Set(arms).size).toBe(3);
    }
    const [pinned] = transition(state, { type: 'route', seq: 50, pinned: 3, steering: null, time: 0 });
    expect(pinned).toEqual({ type: 'order', arms: [3] });
  });

  it('learns an error at once, a success only when its feedback arrives, late and out of order', () => {
    const state = fresh();
    const a = serve(state, 0, 0);
    const b = serve(state, 1, 1);
    const c = serve(state, 2, 2, false);
    expect(a.actions).toEqual([]);
    expect(b.actions).toEqual([]);
    expect(rewards(c.actions)).toEqual([[2, 0]]);
    // Feedback for seq 1 before seq 0, minutes later.
    const f1 = transition(state, { type: 'feedback', seq: 1, score: 0.75, time: 50_000 });
    expect(f1[0]).toEqual({ type: 'feedback', seq: 1, outcome: 'learned' });
    expect(rewards(f1)).toEqual([[1, 0.75]]);
    const f0 = transition(state, { type: 'feedback', seq: 0, score: 0.25, time: 55_000 });
    expect(rewards(f0)).toEqual([[0, 0.25]]);
    // A second feedback, or feedback on an errored trial: recorded, never learned twice.
    expect(transition(state, { type: 'feedback', seq: 1, score: 1, time: 56_000 })).toEqual([{ type: 'feedback', seq: 1, outcome: 'late' }]);
    expect(transition(state, { type: 'feedback', seq: 2, score: 1, time: 56_000 })).toEqual([{ type: 'feedback', seq: 2, outcome: 'late' }]);
    expect(state.learned).toBe(3);
  });

  it('holds feedback that arrives while its trial is still in flight, and learns it when it finishes', () => {
    const state = fresh();
    const arm = route(state, 0)[0]!;
    transition(state, { type: 'start', seq: 0, arm });
    expect(transition(state, { type: 'feedback', seq: 0, score: 0.5, time: 1 })).toEqual([{ type: 'feedback', seq: 0, outcome: 'held' }]);
    const done = transition(state, { type: 'finish', seq: 0, arm, time: 2, ok: true, cost: null, latencyMs: 2 });
    expect(rewards(done)).toEqual([[0, 0.5]]);
  });

  it('decides a reward without feedback when the wait ends: skipped, or with the missing score', () => {
    const skip = fresh();
    serve(skip, 0, 0);
    expect(transition(skip, { type: 'tick', time: 59_999 })).toEqual([]);
    expect(transition(skip, { type: 'tick', time: 60_000 })).toEqual([]);
    expect(transition(skip, { type: 'feedback', seq: 0, score: 1, time: 60_001 })).toEqual([{ type: 'feedback', seq: 0, outcome: 'late' }]);
    expect(skip.learned).toBe(0);

    const half = fresh({ missing: 0.5 });
    serve(half, 0, 0);
    serve(half, 1, 10_000);
    expect(rewards(transition(half, { type: 'tick', time: 65_000 }))).toEqual([[0, 0.5]]);
    expect(rewards(transition(half, { type: 'tick', time: 70_000 }))).toEqual([[1, 0.5]]);
  });

  it('moves traffic to the variant with 10 points more feedback: at least 90% within 500 feedback events', () => {
    const state = fresh();
    let seed = 1;
    const noise = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 0.6 - 0.3;
    const last: number[] = [];
    for (let seq = 0; seq < 500; seq++) {
      const { arm } = serve(state, seq, seq);
      transition(state, { type: 'feedback', seq, score: Math.min(1, Math.max(0, (arm === 1 ? 0.6 : 0.5) + noise())), time: seq });
      if (seq >= 400) last.push(arm);
    }
    expect(last.filter((a) => a === 1).length / last.length).toBeGreaterThanOrEqual(0.9);
  });

  it('a failed try teaches its error and moves the trial on; the breaker takes a variant out after failures in a row, then tries it again', () => {
    const state = fresh({ breaker: { failures: 3, cooldownMs: 10_000 } });
    let failed = 0;
    let seq = 0;
    while (failed < 3 && seq < 1000) {
      const arms = route(state, seq, 100);
      transition(state, { type: 'start', seq, arm: arms[0]! });
      if (arms[0] === 0) {
        const out = transition(state, { type: 'fail', seq, arm: 0, next: arms[1]!, latencyMs: 1, time: 100 });
        expect(out).toEqual([{ type: 'failed', seq, arm: 0, reward: 0, latencyMs: 1, time: 100 }]);
        failed++;
      }
      transition(state, { type: 'finish', seq, arm: arms[0] === 0 ? arms[1]! : arms[0]!, time: 100, ok: true, cost: null, latencyMs: 1 });
      // Arm 1 earns little, so arm 0 keeps being tried first until its breaker opens.
      transition(state, { type: 'feedback', seq, score: -1, time: 100 });
      seq++;
    }
    expect(failed).toBe(3);
    for (let i = 0; i < 50; i++) expect(route(state, seq++, 5_000)).toEqual([1]);
    const after = new Set<number>();
    for (let i = 0; i < 200; i++) after.add(route(state, seq++, 10_100)[0]!);
    expect(after.has(0)).toBe(true);
  });

  it('rebuilt from the past rewards in their order, it chooses exactly as the live one', () => {
    const live = fresh();
    const past: { arm: number; reward: number; success: boolean; latencyMs: number; cost: number | null }[] = [];
    for (let seq = 0; seq < 100; seq++) {
      const { arm } = serve(live, seq, seq);
      for (const [, r] of rewards(transition(live, { type: 'feedback', seq, score: arm === 0 ? 0.3 : 0.7, time: seq }))) {
        past.push({ arm, reward: r, success: true, latencyMs: 20, cost: 0.001 });
      }
    }
    const rebuilt = createRouteState(base, { nextSeq: 100, rewards: past, awaiting: [] });
    for (let seq = 100; seq < 150; seq++) expect(route(rebuilt, seq)).toEqual(route(live, seq));
  });

  it('puts trials still within their wait back to wait after a restart', () => {
    const state = createRouteState(base, { nextSeq: 10, rewards: [], awaiting: [{ seq: 7, arm: 1, finishedAt: 1000, cost: null, latencyMs: 5 }] });
    expect(rewards(transition(state, { type: 'feedback', seq: 7, score: 0.8, time: 2000 }))).toEqual([[7, 0.8]]);
    expect(state.nextSeq).toBe(10);
  });
});
