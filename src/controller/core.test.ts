import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { createPolicy } from '../policies/registry.js';
import { steer } from '../policies/steer.js';
import { controllerSchema, type ControllerConfig } from './config.js';
import { transition, type ControllerEvent } from './core.js';
import type { ControllerAction } from './decide.js';
import type { Decision } from './decision.js';
import { createController, type ControllerState } from './state.js';
import { steeringFor } from './steering.js';

const config = (overrides: Record<string, unknown> = {}): ControllerConfig => controllerSchema.parse(overrides);

interface Run {
  state: ControllerState;
  actions: ControllerAction[];
  decisions: Decision[];
  seq: number;
  time: number;
}

function start(cfg: ControllerConfig, ids = ['a', 'b', 'c'], steerable = true, extra: { policyMinShare?: number } = {}): Run {
  return { state: createController({ config: cfg, variants: ids.map((id) => ({ id, retries: 0 })), seed: 7, steerable, ...extra }), actions: [], decisions: [], seq: 0, time: 1_000_000 };
}

function apply(run: Run, event: ControllerEvent): readonly ControllerAction[] {
  const { actions } = transition(run.state, event);
  run.actions.push(...actions);
  for (const a of actions) if (a.type === 'record') run.decisions.push(a.decision);
  return actions;
}

/**
 * Feeds `n` trials; `arm(seq)` picks the variant (round robin by default) and `failRate(arm, seq)` its
 * failure probability. Scores are 1, latency 400 ms, cost 0.001. Returns the trials each arm got.
 */
function feed(run: Run, n: number, failRate: (arm: number, seq: number) => number, arm: (seq: number) => number = (s) => s % 3, rng = createRandom(run.seq + 11)): void {
  for (let i = 0; i < n; i++) {
    const seq = run.seq++;
    const a = arm(seq);
    run.time += 100;
    const failed = rng.next() < failRate(a, seq);
    apply(run, {
      type: 'trial', seq, nextSeq: seq + 1, arm: a, time: run.time, status: failed ? 'error' : 'ok', errorKind: failed ? 'server' : null,
      score: failed ? null : 1, reward: failed ? 0 : 1, latencyMs: 400, cost: 0.001, attempts: 1,
    });
  }
}

const trialsOf = (arm: number, from: number, to: number) => {
  let n = 0;
  for (let s = from; s < to; s++) if (s % 3 === arm) n++;
  return n;
};

describe('controller core on constructed windows', () => {
  it('takes no decision on a stationary stream', () => {
    const run = start(config());
    feed(run, 30_000, () => 0.05);
    expect(run.decisions).toEqual([]);
    expect(run.state.arms.every((a) => a.weight === 1 && a.breaker === 'closed')).toBe(true);
  });

  it('quarantines an outright failure within 20 of its trials, probes after the back-off, restores healthy probes', () => {
    const run = start(config({ quarantine: { backoff: 300, probes: 20 } }));
    feed(run, 6000, () => 0.02);
    feed(run, 600, (a) => (a === 2 ? 0.6 : 0.02));
    const q = run.decisions.find((d) => d.kind === 'quarantine')!;
    expect(q).toMatchObject({ target: 'c', detector: 'failure', validation: { status: 'not-applicable' } });
    expect(trialsOf(2, 6000, q.atTrial)).toBeLessThanOrEqual(20);
    expect(q.evidence).toMatchObject({ detector: 'failure', metric: 'error rate' });
    expect(q.evidence!.statistic).toBeGreaterThanOrEqual(q.evidence!.threshold);
    expect(run.state.arms[2]!.breaker).not.toBe('closed');
    expect(steeringFor(run.state, run.seq).eligible).toEqual([0, 1]);
    expect(run.actions.some((a) => a.type === 'escalate' && a.decision.id === q.id)).toBe(true);

    // The variant recovers; probes come after the back-off, through the floor of the steering.
    const arm = (s: number) => {
      const st = steeringFor(run.state, s);
      return st.floors[2]! > 0 && s % 10 === 0 ? 2 : s % 2;
    };
    feed(run, 2000, () => 0.02, arm);
    const kinds = run.decisions.map((d) => d.kind);
    expect(kinds).toContain('probe');
    const restore = run.decisions.find((d) => d.kind === 'restore')!;
    expect(restore).toMatchObject({ target: 'c', validation: { status: 'pending' } });
    expect(run.state.arms[2]!.breaker).toBe('closed');
  });

  it('reweights a 5% -> 15% failure spike, ramping the weight by at most maxStep per tick after a cool-down', () => {
    const run = start(config({ validation: false }));
    feed(run, 9000, () => 0.05);
    feed(run, 6000, (a) => (a === 1 ? 0.15 : 0.05));
    const reweights = run.decisions.filter((d) => d.kind === 'reweight' && d.target === 'b');
    expect(reweights.length).toBeGreaterThanOrEqual(1);
    expect(trialsOf(1, 9000, reweights[0]!.atTrial)).toBeLessThan(600);
    expect(reweights[0]!.change).toEqual({ before: { weight: 1 }, after: { weight: 0.5 } });
    for (let i = 1; i < reweights.length; i++) expect(reweights[i]!.atTrial - reweights[i - 1]!.atTrial).toBeGreaterThanOrEqual(5 * 20);
    expect(run.state.arms[1]!.weight).toBeCloseTo(run.state.arms[1]!.target, 9);
    expect(steeringFor(run.state, run.seq).weights[1]).toBeLessThan(0.5);
  });

  it('rolls a forced harmful change back in the tick of its verdict, and reports it', () => {
    const run = start(config({ validation: { controlShare: 0.1, alpha: 0.05, horizon: 5000 } }), ['good', 'bad']);
    const policy = createPolicy({ name: 'uniform' }, 2);
    const pending = new Float64Array(2);
    const rng = createRandom(5);
    apply(run, { type: 'force', time: run.time, arm: 0, weight: 0.05, reason: 'forced for the test' });
    const forced = run.decisions[0]!;
    expect(forced).toMatchObject({ kind: 'reweight', source: 'forced', validation: { status: 'pending' } });
    for (let i = 0; i < 5000 && !run.decisions.some((d) => d.kind === 'rollback'); i++) {
      const seq = run.seq++;
      const arm = steer(policy, steeringFor(run.state, seq), { eligible: [0, 1], pending, rng: createRandom(1000 + seq) });
      policy.update(arm, 0);
      const reward = rng.next() < (arm === 0 ? 0.9 : 0.2) ? 1 : 0;
      run.time += 100;
      apply(run, { type: 'trial', seq, arm, time: run.time, status: 'ok', errorKind: null, score: reward, reward, latencyMs: 400, cost: 0.001, attempts: 1 });
    }
    const verdict = run.actions.find((a) => a.type === 'update' && a.id === forced.id && a.validation?.status === 'harmful');
    const rollback = run.decisions.find((d) => d.kind === 'rollback')!;
    expect(verdict).toBeDefined();
    expect(rollback).toMatchObject({ undoes: forced.id, source: 'controller', target: 'good' });
    // The verdict and the rollback come out of the same transition (the same tick).
    expect(run.actions.findIndex((a) => a.type === 'record' && a.decision.id === rollback.id)).toBe(run.actions.indexOf(verdict!) + 1);
    expect(forced.undoneBy).toBe(rollback.id);
    expect(run.state.arms[0]!.target).toBe(1);
    expect(rollback.evidence).toMatchObject({ detector: 'validation' });
  });

  it('undoes a decision by hand, and refuses what cannot be undone', () => {
    const run = start(config({ quarantine: { backoff: 5000 } }));
    feed(run, 6000, () => 0.02);
    feed(run, 300, (a) => (a === 0 ? 0.7 : 0.02));
    const q = run.decisions.find((d) => d.kind === 'quarantine')!;
    apply(run, { type: 'undo', time: run.time, decision: q.id, reason: 'operator: false alarm' });
    const rb = run.decisions.at(-1)!;
    expect(rb).toMatchObject({ kind: 'rollback', source: 'manual', undoes: q.id, reason: 'operator: false alarm' });
    expect(run.state.arms[0]!.breaker).toBe('closed');
    const esc = run.decisions.find((d) => d.kind === 'escalate' || d.escalate)!;
    const refusedEscalation = apply(run, { type: 'undo', time: run.time, decision: rb.id, reason: 'x' });
    expect(refusedEscalation).toEqual([{ type: 'refused', decision: rb.id, reason: 'a rollback decision cannot be undone' }]);
    expect(apply(run, { type: 'undo', time: run.time, decision: q.id, reason: 'again' })[0]).toMatchObject({ type: 'refused', reason: `decision ${q.id} was already undone by decision ${rb.id}` });
    expect(apply(run, { type: 'undo', time: run.time, decision: 999, reason: 'x' })[0]).toMatchObject({ type: 'refused', reason: 'no decision 999 in this run' });
    expect(esc).toBeDefined();
  });

  it('never quarantines more than maxShare of the variants, and never all of them', () => {
    const run = start(config({ quarantine: { maxShare: 0.5, backoff: 100_000 } }), ['a', 'b']);
    feed(run, 4000, () => 0.02, (s) => s % 2);
    feed(run, 400, () => 0.8, (s) => s % 2);
    expect(run.decisions.filter((d) => d.kind === 'quarantine')).toHaveLength(1);
    expect(run.decisions.some((d) => d.kind === 'escalate' && d.reason.startsWith('cannot quarantine'))).toBe(true);
    expect(run.state.arms.filter((a) => a.breaker === 'closed')).toHaveLength(1);
  });

  it('in a grid (allocation fixed), turns reweights and quarantines into escalations', () => {
    const run = start(config(), ['a', 'b', 'c'], false);
    feed(run, 6000, () => 0.02);
    feed(run, 300, (a) => (a === 1 ? 0.7 : 0.02));
    expect(run.decisions.length).toBeGreaterThan(0);
    expect(run.decisions.every((d) => d.kind === 'escalate')).toBe(true);
    expect(run.decisions[0]!.reason).toContain("this run's allocation is fixed");
  });

  it('escalates a stall (trials in flight, none finishing) once per stall, from clock events', () => {
    const run = start(config({ detectors: { noProgress: { window: '30s' } } }));
    feed(run, 10, () => 0);
    apply(run, { type: 'clock', time: run.time + 29_000, inFlight: 4 });
    expect(run.decisions).toEqual([]);
    apply(run, { type: 'clock', time: run.time + 31_000, inFlight: 4 });
    apply(run, { type: 'clock', time: run.time + 40_000, inFlight: 4 });
    expect(run.decisions).toHaveLength(1);
    expect(run.decisions[0]).toMatchObject({ kind: 'escalate', target: 'run', detector: 'noProgress', escalate: true });
    run.time += 40_000;
    feed(run, 1, () => 0);
    apply(run, { type: 'clock', time: run.time + 31_000, inFlight: 2 });
    expect(run.decisions).toHaveLength(2);
    const paused = start(config({ detectors: { noProgress: { window: '30s', action: 'pause' } } }));
    apply(paused, { type: 'clock', time: paused.time, inFlight: 1 });
    expect(apply(paused, { type: 'clock', time: paused.time + 30_000, inFlight: 1 }).map((a) => a.type)).toEqual(['record', 'pause', 'escalate']);
  });

  it('raises the floor of a variant starved below the minimum share', () => {
    const run = start(config({ detectors: { starvation: { window: 1000, patience: 3 } } }), ['a', 'b', 'c'], true, { policyMinShare: 0.02 });
    feed(run, 3000, () => 0, (s) => (s % 200 === 0 ? 2 : s % 2));
    const d = run.decisions.find((x) => x.detector === 'starvation')!;
    expect(d).toMatchObject({ kind: 'reweight', target: 'c', change: { before: { floor: 0 }, after: { floor: 0.02 } } });
    expect(steeringFor(run.state, run.seq).floors[2]).toBeCloseTo(0.02, 9);
  });

  it("reports thrashing when its own reweights reverse direction again and again, and doubles the cool-down", () => {
    const run = start(config({ validation: false }));
    for (const w of [0.5, 1, 0.5]) {
      apply(run, { type: 'force', time: run.time, arm: 0, weight: w, reason: 'forced' });
      feed(run, 200, () => 0);
    }
    const t = run.decisions.find((d) => d.detector === 'thrashing')!;
    expect(t).toMatchObject({ kind: 'escalate', target: 'a', change: { before: { cooldownTicks: 5 }, after: { cooldownTicks: 10 } } });
  });

  it('resets to the baseline configuration periodically, and only when something differs from it', () => {
    const run = start(config({ reset: { every: 1000 }, validation: false }));
    feed(run, 3000, () => 0);
    expect(run.decisions).toEqual([]);
    apply(run, { type: 'force', time: run.time, arm: 1, weight: 0.3, reason: 'forced' });
    feed(run, 1000, () => 0);
    const reset = run.decisions.find((d) => d.kind === 'reset')!;
    expect(reset).toBeDefined();
    expect(run.state.arms[1]!.target).toBe(1);
    apply(run, { type: 'undo', time: run.time, decision: reset.id, reason: 'keep it' });
    expect(run.state.arms[1]!.target).toBe(0.3);
  });

  it('does not take a stall of the process for a latency regression, but sees a real one', () => {
    const run = start(config());
    const trial = (arm: number, latencyMs: number, dt: number) => {
      run.time += dt;
      const seq = run.seq++;
      apply(run, { type: 'trial', seq, arm, time: run.time, status: 'ok', errorKind: null, score: 1, reward: 1, latencyMs, cost: 0.001, attempts: 1 });
    };
    const rng = createRandom(3);
    // Fast trials finishing about every millisecond, 1-3 ms each.
    for (let i = 0; i < 6000; i++) trial(i % 3, 1 + 2 * rng.next(), rng.next() < 0.5 ? 1 : 0);
    // A 300 ms stall: everything in flight finishes at once, 300 ms late. Four times, each time with
    // only variant a in flight (as when the policy sends it nearly everything), so no other variant
    // shares the slowdown and only the stall itself gives it away.
    for (let k = 0; k < 4; k++) {
      run.time += 300;
      for (let i = 0; i < 50; i++) trial(0, 300, 0);
      for (let i = 0; i < 500; i++) trial(i % 3, 1 + 2 * rng.next(), rng.next() < 0.5 ? 1 : 0);
    }
    expect(run.decisions).toEqual([]);
    // Variant b really gets slower (200 ms, spread over time).
    for (let i = 0; i < 900; i++) trial(i % 3, i % 3 === 1 ? 200 + 20 * rng.next() : 1 + 2 * rng.next(), 1);
    const d = run.decisions.find((x) => x.detector === 'latency')!;
    expect(d).toMatchObject({ kind: 'escalate', target: 'b' });
  });

  it('is deterministic: the same events give the same decisions', () => {
    const a = start(config());
    const b = start(config());
    for (const run of [a, b]) {
      feed(run, 6000, () => 0.05);
      feed(run, 3000, (x) => (x === 0 ? 0.3 : 0.05));
    }
    expect(a.decisions.length).toBeGreaterThan(0);
    expect(JSON.stringify(a.decisions)).toBe(JSON.stringify(b.decisions));
  });
});
