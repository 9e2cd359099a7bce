import { clearTurns, recordChoice, sampleShares, sharesOf } from './allocation.js';
import { detectorsOf, observeArm, refreshQuantiles, type ArmSample, type ArmState } from './arm.js';
import {
  decide, endValidation, handleAlarm, probe, quarantine, raiseFloor, rebaseline, reopen, restore, reweight, rollback,
  type ControllerAction,
} from './decide.js';
import type { Evidence } from './decision.js';
import { currentLevel, recoveryEvidence, riseDismiss, riseEvidence, riseRecovered, riseRefresh, riseResume, type RiseDetector } from './rise-detector.js';
import type { ControllerState } from './state.js';
import { addControl, addTreatment, sliceOf, verdictOf } from './validation.js';
import { addSample } from './windows.js';

/**
 * What the controller hears. Time comes in the events; the controller has no clock.
 * - `trial`: a trial finished (in finish order). `nextSeq`: one past the highest seq dispatched so far.
 * - `clock`: a periodic check from the shell while the run is live (no progress: trials in flight
 *   but none finishing). It changes the state only when it leads to a decision.
 * - `undo`: a person reverts a decision (`metaorch undo`).
 * - `force`: a reweight forced from outside (tests, simulations): validated like any other.
 */
export type ControllerEvent =
  | {
      type: 'trial'; seq: number; nextSeq?: number; arm: number; time: number; status: 'ok' | 'error'; errorKind: string | null;
      score: number | null; reward: number; latencyMs: number; cost: number | null; attempts: number;
    }
  | { type: 'clock'; time: number; inFlight: number }
  | { type: 'undo'; time: number; decision: number; reason: string }
  | { type: 'force'; time: number; arm: number; weight: number; reason: string };

/**
 * The controller's transition: `(state, event) -> { state, actions }`. Detectors learn from every
 * finished trial; decisions are taken at ticks (every `tick` finished trials, or at once when a
 * detector raises an alarm). The state is updated in place and returned (see ControllerState).
 *
 * @example
 * const { actions } = transition(state, { type: 'trial', seq: 41, arm: 2, time: Date.now(), status: 'error', errorKind: 'server', score: null, reward: 0, latencyMs: 812, cost: 0.002, attempts: 3 });
 * for (const a of actions) perform(a);
 */
export function transition(state: ControllerState, event: ControllerEvent): { state: ControllerState; actions: readonly ControllerAction[] } {
  if (state.lastProgress < 0) state.lastProgress = event.time;
  if (event.time > state.time) state.time = event.time;
  if (event.type === 'trial') {
    // The common case allocates nothing: most trials change a few numbers and decide nothing.
    if (!onTrial(state, event) && state.finished - state.lastTickAt < state.config.tick) return state.quiet;
    const out: ControllerAction[] = [];
    tick(state, out);
    return out.length ? { state, actions: out } : state.quiet;
  }
  const out: ControllerAction[] = [];
  switch (event.type) {
    case 'clock':
      checkProgress(state, out, event.inFlight);
      break;
    case 'undo':
      rollback(state, out, event.decision, event.reason, 'manual');
      break;
    case 'force': {
      const arm = state.arms[event.arm];
      if (arm) reweight(state, out, event.arm, Math.min(1, Math.max(0, event.weight)), event.reason, null, null, 'forced');
      break;
    }
  }
  return { state, actions: out };
}

/** Learns from a finished trial; returns true when a detector raised an alarm (decide now). */
function onTrial(state: ControllerState, e: Extract<ControllerEvent, { type: 'trial' }>): boolean {
  const arm = state.arms[e.arm];
  if (!arm) return false;
  state.finished++;
  const stalled = afterStall(state, e.time);
  state.lastProgress = e.time;
  state.stalled = false;
  const next = e.nextSeq ?? e.seq + 1;
  if (next > state.nextSeq) state.nextSeq = next;
  const error = e.status === 'error';
  const retries = Math.max(0, e.attempts - 1);
  // One scratch object serves the windows and the detectors (this runs for every trial; nothing keeps it).
  const sample = state.sample;
  sample.time = e.time;
  sample.error = error;
  sample.errorKind = e.errorKind;
  sample.score = e.score;
  sample.reward = e.reward;
  sample.latencyMs = e.latencyMs;
  sample.cost = e.cost;
  sample.retries = retries;
  addSample(arm.window, state.run, sample);
  recordChoice(state.allocation, e.arm);
  if (state.validating > 0) feedValidations(state, e.seq, e.reward);
  if (arm.breaker === 'half-open' && arm.trippedBy) {
    arm.probes++;
    arm.probeEvidence += recoveryEvidence(arm.trippedBy, valueFor(arm, arm.trippedBy, sample));
    return arm.probes >= state.config.quarantine.probes && arm.probes % 5 === 0;
  }
  if (arm.breaker !== 'closed') return false;
  const raised = observeArm(arm, sample, state.finished, stalled);
  if (raised) state.alarmed = true;
  return raised;
}

/**
 * True when this trial finished in the burst that follows a stall of the process (no trial finished
 * for far longer than usual, then many at once): its latency includes the stall, not the variant's
 * speed, so the latency detectors skip it. A stall is a gap between finishes above both the latency
 * detector's margin (`minMs`) and 20 times the usual gap; the burst is what finishes within 2 ms of
 * its end. At concurrency 1 the usual gap is the latency itself, so a slower variant is still seen.
 */
function afterStall(state: ControllerState, time: number): boolean {
  const latency = state.config.detectors.latency;
  if (!latency || state.lastProgress < 0) return false;
  const gap = time - state.lastProgress;
  if (state.finished <= GAP_WARMUP) {
    // The usual gap is first learnt as a plain mean: nothing is a stall before there is a usual gap.
    state.usualGap += (gap - state.usualGap) / state.finished;
    return false;
  }
  if (gap > Math.max(latency.minMs, 20 * state.usualGap)) state.stallEnd = time;
  else state.usualGap = state.usualGap * GAP_DECAY + gap * (1 - GAP_DECAY);
  return time - state.stallEnd <= 2;
}

const GAP_DECAY = 0.99;
const GAP_WARMUP = 20;

/** The value a detector would see for a sample (for the probes of the detector that tripped a breaker). */
function valueFor(arm: ArmState, d: RiseDetector, s: ArmSample): number {
  if (d === arm.failure) return s.error ? 1 : 0;
  if (d === arm.rework) return Math.min(1, s.retries / Math.max(1, arm.maxRetries));
  if (d === arm.score) return s.error || s.score === null ? 1 : 1 - s.score;
  if (arm.latency && d === arm.latency.p50) return s.error ? 0 : s.latencyMs > arm.latency.over50 ? 1 : 0;
  if (arm.latency && d === arm.latency.p95) return s.error ? 0 : s.latencyMs > arm.latency.over95 ? 1 : 0;
  if (arm.cost && d === arm.cost.p50) return (s.cost ?? 0) > arm.cost.over50 ? 1 : 0;
  if (arm.cost && d === arm.cost.p95) return (s.cost ?? 0) > arm.cost.over95 ? 1 : 0;
  return 0;
}

function feedValidations(state: ControllerState, seq: number, reward: number): void {
  const v = state.config.validation;
  if (!v) return;
  const slice = sliceOf(state.seed, seq, v.controlShare, state.validations.length);
  for (const val of state.validations) {
    if (!val || seq < val.fromSeq) continue;
    if (slice === val.slice) addControl(val, reward);
    else if (slice < 0 || !state.validations[slice]) addTreatment(val, reward);
  }
}

/** Every decision of a tick, in a fixed order: validations, breakers, alarms, follow-ups, allocation, reset, ramp. */
function tick(state: ControllerState, out: ControllerAction[]): void {
  state.ticks++;
  state.lastTickAt = state.finished;
  state.alarmed = false;
  refresh(state);
  judgeValidations(state, out);
  state.arms.forEach((arm, i) => {
    breaker(state, out, arm, i);
    if (arm.breaker !== 'closed') return;
    for (const d of detectorsOf(arm)) {
      const evidence = riseEvidence(d, state.finished);
      if (!evidence || arm.breaker !== 'closed') continue;
      if (d.name === 'latency' && (state.finished <= state.stallUntil || sharedSlowdown(state, i, d))) {
        // The other variants' alarms about the same stall come a few trials later: dismiss them too.
        state.stallUntil = state.finished + 4 * state.config.tick;
        riseDismiss(d, state.finished);
      } else handleAlarm(state, out, i, d, evidence);
    }
    if (arm.breaker === 'closed') followUp(state, out, arm, i);
  });
  if (state.steerable) starvation(state, out);
  thrashing(state, out);
  reset(state, out);
  ramp(state);
}

/**
 * A latency alarm that other variants share at the same moment (their same-quantile detector has
 * fired or stands above half its threshold) is a slowdown of the process, the machine or the network
 * (a GC pause, a flush, a saturated link), not a regression of this variant: it is dismissed.
 * Trials in flight together share such stalls, which breaks the independence the test assumes.
 */
function sharedSlowdown(state: ControllerState, armIndex: number, d: RiseDetector): boolean {
  const arm = state.arms[armIndex]!;
  const which = arm.latency && d === arm.latency.p95 ? 'p95' : 'p50';
  let others = 0;
  let slowed = 0;
  state.arms.forEach((other, j) => {
    if (j === armIndex || other.breaker !== 'closed' || !other.latency) return;
    const od = other.latency[which];
    if (!od.bank) return;
    others++;
    let pressure = od.fired >= 0 ? 1 : 0;
    for (let m = 0; m < od.bank.s.length; m++) pressure = Math.max(pressure, od.bank.s[m]! / od.bank.h[m]!);
    if (pressure >= 0.5) slowed++;
  });
  return others > 0 && slowed > 0;
}

/** Arms detectors past their warm-up and moves their baselines; thresholds of quantiles every 10 ticks. */
function refresh(state: ControllerState): void {
  const { calibration, config } = state;
  const quantiles = state.ticks % 10 === 1;
  // Baselines move slowly (a half-life of thousands of trials): every fifth tick is enough, except to
  // arm a detector whose warm-up just ended.
  const baselines = state.ticks % 5 === 1;
  for (const arm of state.arms) {
    if (arm.breaker !== 'closed') continue;
    for (const d of detectorsOf(arm)) if (baselines || (!d.bank && d.count >= d.warmup)) riseRefresh(d, calibration);
    if (quantiles && arm.latency && config.detectors.latency) refreshQuantiles(arm.latency, config.detectors.latency.tolerance, config.detectors.latency.minMs, config.warmup);
    if (quantiles && arm.cost && config.detectors.cost) refreshQuantiles(arm.cost, config.detectors.cost.tolerance, 0, config.warmup);
  }
}

/** Verdicts of the changes under test; a harmful one is rolled back in the same tick. */
function judgeValidations(state: ControllerState, out: ControllerAction[]): void {
  const settings = state.config.validation;
  if (!settings) return;
  for (const v of [...state.validations]) {
    if (!v) continue;
    const result = verdictOf(v, state.finished, settings.horizon);
    if (!result) continue;
    const decision = state.decisions.get(v.decisionId);
    state.validations[v.slice] = null;
    state.validating--;
    state.version++;
    if (decision) decision.validation = result;
    out.push({ type: 'update', id: v.decisionId, validation: result });
    if (result.status === 'harmful' && decision && decision.undoneBy === null) {
      rollback(state, out, v.decisionId, `validation: decision ${v.decisionId} did harm (mean reward ${fmt(result.treatment)} with it, ${fmt(result.control)} in the control share, ${result.pairs} pairs)`, 'controller');
    }
  }
}

/** The circuit breaker of one arm: open -> half-open after the back-off; probes decide restore or reopen. */
function breaker(state: ControllerState, out: ControllerAction[], arm: ArmState, i: number): void {
  if (arm.breaker === 'open' && state.finished >= arm.openUntil) probe(state, out, i);
  else if (arm.breaker === 'half-open' && arm.probes >= state.config.quarantine.probes) {
    const threshold = Math.log(100);
    const evidence: Evidence = {
      detector: arm.trippedBy?.name ?? 'probe', metric: `${arm.trippedBy?.metric ?? 'health'} of probe trials`, test: 'log-likelihood ratio, baseline vs degraded level',
      statistic: round(arm.probeEvidence), threshold: round(threshold), baseline: arm.trippedBy ? round(arm.trippedBy.frozen) : null,
      current: arm.trippedBy ? round(arm.trippedBy.bad) : null, samples: { baseline: 0, current: arm.probes }, window: { fromTrial: arm.openUntil, toTrial: state.finished },
    };
    // A sequential probability ratio test: restore or reopen once the evidence is clear either way;
    // while it is not, keep probing, up to three times the planned probes.
    if (arm.probeEvidence >= threshold) restore(state, out, i, `probes healthy: ${arm.probes} probe trials of ${arm.id} favour the baseline (log-LR ${evidence.statistic} >= ${evidence.threshold})`, evidence);
    else if (arm.probeEvidence <= -threshold || arm.probes >= 3 * state.config.quarantine.probes) {
      reopen(state, out, i, `probes unhealthy: ${arm.probes} probe trials of ${arm.id} do not favour the baseline (log-LR ${evidence.statistic} < ${evidence.threshold}); back-off doubled`, evidence);
    }
  }
}

/**
 * Alarmed detectors after the first action: recovered -> weight back up (once every alarmed detector
 * of the arm has recovered); still degraded after the cool-down -> one more step down, or the breaker
 * when failures pass the quarantine level.
 */
function followUp(state: ControllerState, out: ControllerAction[], arm: ArmState, i: number): void {
  const config = state.config;
  let any = false;
  for (const d of arm.detectors) if (d.phase === 'alarmed') any = true;
  if (!any) return;
  const alarmed = arm.detectors.filter((d) => d.phase === 'alarmed');
  const recovered = alarmed.filter((d) => riseRecovered(d));
  for (const d of recovered) riseResume(d, state.finished);
  const still = alarmed.filter((d) => !recovered.includes(d));
  if (still.length === 0) {
    if (arm.target < 1 && state.steerable) {
      const d = recovered[0]!;
      reweight(state, out, i, 1, `${arm.id} recovered: ${d.metric} back at its baseline (recovery CUSUM ${d.rec.toFixed(1)} >= ${d.recH.toFixed(1)})`, d, recoveryEvidenceOf(state, d));
    }
    return;
  }
  const cooled = state.ticks - arm.lastReweightTick >= arm.cooldown;
  if (!cooled || !state.steerable) return;
  const failure = config.detectors.failure;
  if (arm.failure && still.includes(arm.failure) && failure && failure.action !== 'none' && currentLevel(arm.failure) >= failure.quarantineAbove) {
    quarantine(state, out, i, `failure rate of ${arm.id} at ${(currentLevel(arm.failure) * 100).toFixed(1)}% in its latest trials, above ${failure.quarantineAbove * 100}%`, arm.failure, arm.failure.evidence);
    return;
  }
  const stepping = still.filter((d) => (config.detectors[d.name as 'failure' | 'score' | 'latency' | 'cost' | 'rework']?.action ?? 'none') === 'reweight');
  const d = stepping[0];
  const next = Math.max(config.reweight.minWeight, arm.target * config.reweight.factor);
  if (d && next < arm.target) {
    reweight(state, out, i, next, `${arm.id} still degraded: ${d.metric} at ${(currentLevel(d) * 100).toFixed(1)}% in its latest trials (baseline ${(d.frozen * 100).toFixed(1)}%)`, d, d.evidence);
  }
}

function recoveryEvidenceOf(state: ControllerState, d: RiseDetector): Evidence {
  return {
    detector: d.name, metric: d.metric, test: 'recovery CUSUM (baseline vs degraded level)', statistic: round(d.rec), threshold: round(d.recH),
    baseline: round(d.frozen), current: round(currentLevel(d)), samples: { baseline: 0, current: 0 }, window: { fromTrial: d.firedAt, toTrial: state.finished },
  };
}

/** An active variant below its minimum share for `patience` ticks gets that share as a floor. */
function starvation(state: ControllerState, out: ControllerAction[]): void {
  const s = state.config.detectors.starvation;
  const minShare = state.minShare;
  if (!s || s.action === 'none' || minShare <= 0) return;
  const shares = sharesOf(state.allocation, 0);
  if (!shares) return;
  state.arms.forEach((arm, i) => {
    if (arm.breaker !== 'closed' || shares[i]! >= minShare || arm.floorTarget >= minShare) {
      arm.starvedTicks = 0;
      return;
    }
    if (++arm.starvedTicks < s.patience) return;
    arm.starvedTicks = 0;
    const evidence: Evidence = {
      detector: 'starvation', metric: 'share of trials', test: `share below the minimum for ${s.patience} consecutive ticks`, statistic: round(shares[i]!),
      threshold: minShare, baseline: minShare, current: round(shares[i]!), samples: { baseline: 0, current: s.window },
      window: { fromTrial: state.finished - s.window, toTrial: state.finished },
    };
    const reason = `starvation: ${arm.id} got ${(shares[i]! * 100).toFixed(2)}% of the last ${s.window} trials, below its minimum share ${minShare * 100}%`;
    if (s.action === 'reweight') raiseFloor(state, out, i, minShare, reason, evidence);
    else decide(state, out, { kind: 'escalate', target: arm.id, reason, detector: 'starvation', evidence });
  });
}

const THRASH_SPAN = 8;

/** Every `window` trials (when `thrashing.allocation` is on): the realised allocation's reversals of direction. */
function thrashing(state: ControllerState, out: ControllerAction[]): void {
  const t = state.config.detectors.thrashing;
  const a = t ? t.allocation : false;
  if (!t || !a || state.arms.length < 2 || state.finished - state.lastThrashSample < a.window) return;
  state.lastThrashSample = state.finished;
  const shares = sharesOf(state.allocation, 1);
  if (!shares) return;
  const reversals = sampleShares(state.allocation, shares, a.band, THRASH_SPAN);
  const worst = reversals.reduce((best, r, i) => (r > (reversals[best] ?? 0) ? i : best), 0);
  if ((reversals[worst] ?? 0) < a.reversals) return;
  clearTurns(state.allocation);
  if (t.action === 'none') return;
  const arm = state.arms[worst]!;
  const before = arm.cooldown;
  for (const x of state.arms) x.cooldown = Math.min(x.cooldown * 2, state.config.reweight.cooldown * 8);
  decide(state, out, {
    kind: t.action, target: t.action === 'pause' ? 'run' : arm.id, detector: 'thrashing',
    reason: `thrashing: the share of ${arm.id} reversed direction ${reversals[worst]} times in the last ${THRASH_SPAN} samples of ${a.window} trials (moves over ${a.band * 100} points); reweight cool-downs doubled`,
    evidence: {
      detector: 'thrashing', metric: 'reversals of the allocation share', test: `zigzag filter, band ${a.band}`, statistic: reversals[worst]!, threshold: a.reversals,
      baseline: null, current: round(shares[worst]!), samples: { baseline: 0, current: THRASH_SPAN }, window: { fromTrial: state.finished - THRASH_SPAN * a.window, toTrial: state.finished },
    },
    change: { before: { cooldownTicks: before }, after: { cooldownTicks: arm.cooldown } },
  });
}

/** No progress: trials in flight, none finished within the window (from `clock` events). */
function checkProgress(state: ControllerState, out: ControllerAction[], inFlight: number): void {
  const p = state.config.detectors.noProgress;
  if (!p || p.action === 'none' || state.stalled || inFlight <= 0) return;
  const idle = state.time - state.lastProgress;
  if (idle < p.window) return;
  state.stalled = true;
  decide(state, out, {
    kind: p.action, target: 'run', detector: 'noProgress',
    reason: `no progress: ${inFlight} trial(s) in flight but none finished for ${Math.round(idle / 1000)} s (window ${Math.round(p.window / 1000)} s)`,
    evidence: {
      detector: 'noProgress', metric: 'time since the last finished trial (ms)', test: 'idle time against the window', statistic: idle, threshold: p.window,
      baseline: null, current: null, samples: { baseline: 0, current: inFlight }, window: { fromTrial: state.finished, toTrial: state.finished },
    },
  });
}

/** Back to the baseline configuration every `reset.every` trials, when anything differs from it. */
function reset(state: ControllerState, out: ControllerAction[]): void {
  const every = state.config.reset.every;
  if (every <= 0 || state.finished - state.lastResetAt < every) return;
  state.lastResetAt = state.finished;
  const base = state.config.reweight.cooldown;
  const drifted = state.arms.some((a) => a.breaker === 'closed' && (a.target !== 1 || a.floorTarget !== 0 || a.cooldown !== base || detectorsOf(a).some((d) => d.phase === 'alarmed')));
  if (!drifted || !state.steerable) return;
  const before = state.arms.map((a) => ({ target: a.target, floorTarget: a.floorTarget }));
  for (const v of state.validations) if (v) endValidation(state, out, v.decisionId, 'cancelled');
  for (const a of state.arms) {
    a.cooldown = base;
    a.directions = [];
    a.quarantines = 0;
    if (a.breaker !== 'closed') continue;
    a.target = 1;
    a.floorTarget = 0;
    for (const d of detectorsOf(a)) if (d.phase === 'alarmed') rebaseline(a, d);
  }
  const changed = state.arms.filter((a, i) => a.breaker === 'closed' && (before[i]!.target !== 1 || before[i]!.floorTarget !== 0)).map((a) => a.id);
  const d = decide(state, out, {
    kind: 'reset', target: 'run', detector: null,
    reason: `periodic reset to the baseline configuration (every ${every} trials): weights 1, no minimum shares, detectors re-baselined${changed.length ? `; changed: ${changed.join(', ')}` : ''}`,
  });
  state.resetBefore.set(d.id, before);
}

/** Weights and floors move toward their targets by at most `maxStep` per tick. */
function ramp(state: ControllerState): void {
  const step = state.config.reweight.maxStep;
  for (const arm of state.arms) {
    const w = towards(arm.weight, arm.target, step);
    const f = towards(arm.floor, arm.floorTarget, step);
    if (w !== arm.weight || f !== arm.floor) {
      arm.weight = w;
      arm.floor = f;
      state.version++;
    }
  }
}

function towards(value: number, target: number, step: number): number {
  if (Math.abs(target - value) <= step) return target;
  return value + Math.sign(target - value) * step;
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '?' : x.toFixed(3));

export { endValidation };
