import type { ArmState } from './arm.js';
import { detectorsOf, rebaselineQuantiles } from './arm.js';
import type { ArmChange, Decision, DecisionKind, Evidence, ValidationResult } from './decision.js';
import { riseAcknowledge, riseRebaseline, riseResume, type RiseDetector } from './rise-detector.js';
import { quarantinedCount, type ControllerState } from './state.js';
import { resultOf, startValidation, type ArmControl } from './validation.js';

/**
 * What the shell must do. `record` comes before any `escalate` or `pause` of the same decision.
 * `refused` answers a manual command that cannot be applied (the decision log is unchanged).
 */
export type ControllerAction =
  | { type: 'record'; decision: Decision }
  | { type: 'update'; id: number; validation?: ValidationResult; undoneBy?: number }
  | { type: 'escalate'; decision: Decision }
  | { type: 'pause'; decision: Decision }
  | { type: 'refused'; decision: number; reason: string };

interface NewDecision {
  kind: DecisionKind;
  target: string;
  reason: string;
  detector?: string | null;
  evidence?: Evidence | null;
  change?: { before: ArmChange; after: ArmChange } | null;
  undoes?: number | null;
  source?: Decision['source'];
  validation?: ValidationResult;
}

/** Records a decision (already applied to the state) and the actions it leads to. */
export function decide(state: ControllerState, out: ControllerAction[], d: NewDecision): Decision {
  const escalateOn = state.config.escalate.on as readonly string[];
  const decision: Decision = {
    id: state.nextId++,
    kind: d.kind,
    target: d.target,
    reason: d.reason,
    detector: d.detector ?? null,
    evidence: d.evidence ?? null,
    change: d.change ?? null,
    atTrial: state.finished,
    time: state.time,
    fromSeq: state.nextSeq,
    validation: d.validation ?? { status: 'not-applicable' },
    undoes: d.undoes ?? null,
    undoneBy: null,
    source: d.source ?? 'controller',
    escalate: d.kind === 'escalate' || escalateOn.includes(d.kind),
  };
  state.decisions.set(decision.id, decision);
  state.version++;
  out.push({ type: 'record', decision });
  if (decision.kind === 'pause') {
    state.paused = true;
    out.push({ type: 'pause', decision });
  }
  if (decision.escalate) out.push({ type: 'escalate', decision });
  return decision;
}

const controlOf = (arm: ArmState): ArmControl => ({ weight: arm.target, floor: arm.floorTarget, excluded: arm.breaker !== 'closed' });

/** Starts the validation of a change to `armIndex` when validation is on and a control slice is free. */
function validate(state: ControllerState, armIndex: number, before: ArmControl): ValidationResult {
  const v = state.config.validation;
  if (!v || !state.steerable) return { status: 'not-applicable' };
  const slice = state.validations.findIndex((x) => x === null);
  if (slice < 0) return { status: 'not-applicable' };
  state.validations[slice] = startValidation(state.nextId, armIndex, slice, state.nextSeq, state.finished, before, v);
  state.validating++;
  return { status: 'pending' };
}

/** Ends the validation of decision `id` (a rollback, a quarantine of its variant, a reset). */
export function endValidation(state: ControllerState, out: ControllerAction[], id: number, status: ValidationResult['status']): void {
  const slice = state.validations.findIndex((v) => v?.decisionId === id);
  if (slice < 0) return;
  const v = state.validations[slice]!;
  state.validations[slice] = null;
  state.validating--;
  state.version++;
  const result = resultOf(v, status, state.finished);
  const decision = state.decisions.get(id);
  if (decision) decision.validation = result;
  out.push({ type: 'update', id, validation: result });
}

/** An action on a variant the allocation cannot follow (a grid) becomes an escalation that says so. */
function escalateInstead(state: ControllerState, out: ControllerAction[], arm: ArmState, what: string, reason: string, detector: RiseDetector | null, evidence: Evidence | null): void {
  decide(state, out, { kind: 'escalate', target: arm.id, reason: `${reason} (would ${what}, but this run's allocation is fixed)`, detector: detector?.name ?? null, evidence });
}

/**
 * Lowers (or raises) a variant's weight target; the weight in force follows by at most `maxStep` per
 * tick. Performance-motivated changes are validated against a control share.
 */
export function reweight(
  state: ControllerState, out: ControllerAction[], armIndex: number, target: number, reason: string,
  detector: RiseDetector | null, evidence: Evidence | null, source: Decision['source'] = 'controller',
): Decision | null {
  const arm = state.arms[armIndex]!;
  if (!state.steerable) {
    escalateInstead(state, out, arm, `reweight to ${target.toFixed(2)}`, reason, detector, evidence);
    return null;
  }
  const before = controlOf(arm);
  const direction = Math.sign(target - arm.target);
  arm.target = target;
  arm.lastReweightTick = state.ticks;
  const validation = validate(state, armIndex, before);
  const decision = decide(state, out, {
    kind: 'reweight', target: arm.id, reason, detector: detector?.name ?? null, evidence, source, validation,
    change: { before: { weight: before.weight }, after: { weight: target } },
  });
  if (direction !== 0) noteDirection(state, out, armIndex, direction);
  return decision;
}

/** The controller's own thrashing: two reversals of direction among a variant's last ten reweights. */
function noteDirection(state: ControllerState, out: ControllerAction[], armIndex: number, direction: number): void {
  const arm = state.arms[armIndex]!;
  arm.directions.push(direction);
  if (arm.directions.length > 10) arm.directions.shift();
  let reversals = 0;
  for (let i = 1; i < arm.directions.length; i++) if (arm.directions[i] !== arm.directions[i - 1]) reversals++;
  const t = state.config.detectors.thrashing;
  if (!t || reversals < t.reversals) return;
  const before = arm.cooldown;
  arm.cooldown = Math.min(arm.cooldown * 2, state.config.reweight.cooldown * 8);
  arm.directions = [];
  if (t.action === 'none') return;
  decide(state, out, {
    kind: t.action, target: t.action === 'pause' ? 'run' : arm.id, detector: 'thrashing',
    reason: `thrashing: the controller reversed the weight of ${arm.id} ${reversals} times in its last reweights; cool-down ${before} -> ${arm.cooldown} ticks`,
    evidence: {
      detector: 'thrashing', metric: 'reversals of reweight direction', test: 'count', statistic: reversals, threshold: t.reversals, baseline: null, current: null,
      samples: { baseline: 0, current: 10 }, window: { fromTrial: state.lastTickAt, toTrial: state.finished },
    },
    change: { before: { cooldownTicks: before }, after: { cooldownTicks: arm.cooldown } },
  });
}

/** Raises a variant's minimum share (starvation), a guarantee rather than a bet: not validated by reward. */
export function raiseFloor(state: ControllerState, out: ControllerAction[], armIndex: number, floor: number, reason: string, evidence: Evidence): void {
  const arm = state.arms[armIndex]!;
  const before = arm.floorTarget;
  arm.floorTarget = floor;
  decide(state, out, { kind: 'reweight', target: arm.id, reason, detector: 'starvation', evidence, change: { before: { floor: before }, after: { floor } } });
}

/**
 * Trips a variant's circuit breaker: out of rotation until the back-off has passed, then probed.
 * Refused when it would put more than `maxShare` of the variants (or all of them) out: the variant
 * is reweighted to the minimum instead and the refusal escalated.
 */
export function quarantine(state: ControllerState, out: ControllerAction[], armIndex: number, reason: string, detector: RiseDetector | null, evidence: Evidence | null): void {
  const arm = state.arms[armIndex]!;
  if (!state.steerable) return escalateInstead(state, out, arm, 'quarantine it', reason, detector, evidence);
  const k = state.arms.length;
  const limit = Math.min(k - 1, Math.floor(state.config.quarantine.maxShare * k + 1e-9));
  if (quarantinedCount(state) + 1 > limit) {
    if (arm.target > state.config.reweight.minWeight) reweight(state, out, armIndex, state.config.reweight.minWeight, `${reason}; quarantine refused (${quarantinedCount(state)} of ${k} out, limit ${limit})`, detector, evidence);
    decide(state, out, { kind: 'escalate', target: arm.id, reason: `cannot quarantine ${arm.id}: ${quarantinedCount(state)} of ${k} variants are out already (maxShare ${state.config.quarantine.maxShare})`, detector: detector?.name ?? null, evidence });
    return;
  }
  const before: ArmChange = { breaker: arm.breaker, floor: arm.floor };
  for (const v of state.validations) if (v?.arm === armIndex) endValidation(state, out, v.decisionId, 'cancelled');
  arm.breaker = 'open';
  arm.openUntil = state.finished + arm.backoff;
  arm.floorTarget = 0;
  arm.floor = 0;
  arm.probes = 0;
  arm.probeEvidence = 0;
  if (detector) arm.trippedBy = detector;
  const d = decide(state, out, {
    kind: 'quarantine', target: arm.id, reason, detector: detector?.name ?? null, evidence,
    change: { before, after: { breaker: 'open', floor: 0 } },
  });
  arm.quarantineId = d.id;
  noteFlap(state, out, arm);
}

/**
 * Thrashing of the breaker: a variant quarantined again and again after being restored (counted
 * between periodic resets; probes that fail and reopen the breaker are not a new quarantine).
 */
function noteFlap(state: ControllerState, out: ControllerAction[], arm: ArmState): void {
  arm.quarantines++;
  const t = state.config.detectors.thrashing;
  if (!t || t.action === 'none' || arm.quarantines < t.flaps || arm.quarantines % t.flaps !== 0) return;
  decide(state, out, {
    kind: t.action, target: t.action === 'pause' ? 'run' : arm.id, detector: 'thrashing',
    reason: `thrashing: ${arm.id} has been quarantined ${arm.quarantines} times since the last reset; its back-off is now ${arm.backoff} trials`,
    evidence: {
      detector: 'thrashing', metric: 'quarantines of one variant', test: 'count', statistic: arm.quarantines, threshold: t.flaps, baseline: null, current: null,
      samples: { baseline: 0, current: arm.quarantines }, window: { fromTrial: state.lastResetAt, toTrial: state.finished },
    },
  });
}

/** The back-off is over: half-open, a small share of probe trials. */
export function probe(state: ControllerState, out: ControllerAction[], armIndex: number): void {
  const arm = state.arms[armIndex]!;
  arm.breaker = 'half-open';
  arm.probes = 0;
  arm.probeEvidence = 0;
  arm.floorTarget = state.config.quarantine.probeShare;
  arm.floor = arm.floorTarget;
  decide(state, out, {
    kind: 'probe', target: arm.id, reason: `back-off of ${arm.backoff} trials over: probing ${arm.id} with ${Math.round(state.config.quarantine.probeShare * 100)}% of trials`,
    detector: arm.trippedBy?.name ?? null, change: { before: { breaker: 'open', floor: 0 }, after: { breaker: 'half-open', floor: arm.floor } },
  });
}

/** Probes healthy: back in rotation (validated against a control share that keeps it out). */
export function restore(state: ControllerState, out: ControllerAction[], armIndex: number, reason: string, evidence: Evidence | null): void {
  const arm = state.arms[armIndex]!;
  const before = controlOf(arm);
  before.excluded = true;
  before.floor = 0;
  arm.breaker = 'closed';
  arm.floorTarget = 0;
  arm.floor = 0;
  arm.backoff = state.config.quarantine.backoff;
  for (const d of detectorsOf(arm)) riseResume(d, state.finished);
  const validation = validate(state, armIndex, before);
  decide(state, out, {
    kind: 'restore', target: arm.id, reason, detector: arm.trippedBy?.name ?? null, evidence, validation,
    change: { before: { breaker: 'half-open', floor: state.config.quarantine.probeShare }, after: { breaker: 'closed', floor: 0 } },
  });
  arm.trippedBy = null;
  arm.quarantineId = null;
}

/** Probes unhealthy: out again, for twice as long (up to maxBackoff). */
export function reopen(state: ControllerState, out: ControllerAction[], armIndex: number, reason: string, evidence: Evidence | null): void {
  const arm = state.arms[armIndex]!;
  arm.backoff = Math.min(arm.backoff * 2, state.config.quarantine.maxBackoff);
  arm.breaker = 'open';
  arm.openUntil = state.finished + arm.backoff;
  arm.floorTarget = 0;
  arm.floor = 0;
  const d = decide(state, out, {
    kind: 'quarantine', target: arm.id, reason, detector: arm.trippedBy?.name ?? null, evidence,
    change: { before: { breaker: 'half-open', floor: state.config.quarantine.probeShare }, after: { breaker: 'open', floor: 0 } },
  });
  arm.quarantineId = d.id;
}

/**
 * Undoes decision `id`. A harmful change rolled back automatically also makes its detector accept
 * the current level as the new normal, so the same change is not made again and again.
 */
export function rollback(state: ControllerState, out: ControllerAction[], id: number, reason: string, source: Decision['source']): void {
  const target = state.decisions.get(id);
  const refuse = (why: string) => void out.push({ type: 'refused', decision: id, reason: why });
  if (!target) return refuse(`no decision ${id} in this run`);
  if (target.undoneBy !== null) return refuse(`decision ${id} was already undone by decision ${target.undoneBy}`);
  const armIndex = state.arms.findIndex((a) => a.id === target.target);
  const arm = state.arms[armIndex];
  const before = target.change?.before ?? {};
  switch (target.kind) {
    case 'reweight':
      if (!arm) return refuse(`decision ${id} names no variant`);
      if (before.weight !== undefined) arm.target = before.weight;
      if (before.floor !== undefined) arm.floorTarget = before.floor;
      if (source === 'controller' && target.detector) {
        for (const d of detectorsOf(arm)) if (d.name === target.detector && d.phase === 'alarmed') rebaseline(arm, d);
      }
      break;
    case 'quarantine':
    case 'probe':
      if (!arm) return refuse(`decision ${id} names no variant`);
      if (arm.quarantineId !== null && target.kind === 'quarantine' && arm.quarantineId !== id) return refuse(`decision ${id} is not the variant's current quarantine`);
      if (target.kind === 'probe' && arm.breaker !== 'half-open') return refuse(`${arm.id} is not being probed`);
      if (target.kind === 'quarantine') {
        arm.breaker = 'closed';
        arm.floorTarget = 0;
        arm.floor = 0;
        for (const d of detectorsOf(arm)) riseResume(d, state.finished);
        arm.trippedBy = null;
        arm.quarantineId = null;
      } else {
        arm.breaker = 'open';
        arm.openUntil = state.finished + arm.backoff;
        arm.floorTarget = 0;
        arm.floor = 0;
      }
      break;
    case 'restore':
      if (!arm) return refuse(`decision ${id} names no variant`);
      if (arm.breaker !== 'closed') return refuse(`${arm.id} is not in rotation`);
      arm.breaker = 'open';
      arm.openUntil = state.finished + arm.backoff;
      arm.floorTarget = 0;
      arm.floor = 0;
      break;
    case 'reset': {
      const saved = state.resetBefore.get(id);
      if (!saved) return refuse(`decision ${id} has nothing to restore`);
      saved.forEach((s, i) => {
        const a = state.arms[i]!;
        if (a.breaker !== 'closed') return;
        a.target = s.target;
        a.floorTarget = s.floorTarget;
      });
      break;
    }
    default:
      return refuse(`a ${target.kind} decision cannot be undone`);
  }
  const pending = target.validation.status === 'pending';
  const rb = decide(state, out, {
    kind: 'rollback', target: target.target, undoes: id, source, reason,
    change: target.change ? { before: target.change.after, after: target.change.before } : null,
    evidence: source === 'controller' && target.validation.status === 'harmful' ? validationEvidence(target, state) : null,
  });
  if (pending) endValidation(state, out, id, source === 'controller' ? 'harmful' : 'cancelled');
  target.undoneBy = rb.id;
  out.push({ type: 'update', id, undoneBy: rb.id });
  if (arm && source === 'controller') arm.lastReweightTick = state.ticks;
}

function validationEvidence(target: Decision, state: ControllerState): Evidence {
  const v = target.validation;
  return {
    detector: 'validation', metric: 'mean reward, change vs control share', test: 'betting test on paired rewards (anytime-valid)',
    statistic: v.harm ?? 0, threshold: v.threshold ?? 0, baseline: v.control ?? null, current: v.treatment ?? null,
    samples: { baseline: v.pairs ?? 0, current: v.pairs ?? 0 }, window: { fromTrial: target.atTrial, toTrial: state.finished },
  };
}

/** A detector accepts the current level as its new baseline (after a harmful rollback or a reset). */
export function rebaseline(arm: ArmState, d: RiseDetector): void {
  if (arm.latency && (d === arm.latency.p50 || d === arm.latency.p95)) rebaselineQuantiles(arm.latency);
  else if (arm.cost && (d === arm.cost.p50 || d === arm.cost.p95)) rebaselineQuantiles(arm.cost);
  else riseRebaseline(d);
}

/** Handles one detector's pending alarm with the action configured for it. */
export function handleAlarm(state: ControllerState, out: ControllerAction[], armIndex: number, d: RiseDetector, evidence: Evidence): void {
  const arm = state.arms[armIndex]!;
  const config = state.config.detectors;
  const settings = config[d.name as 'failure' | 'score' | 'latency' | 'cost' | 'rework'];
  const action = settings?.action ?? 'none';
  if (action === 'none') return riseAcknowledge(d, state.finished);
  riseAcknowledge(d, state.finished);
  const reason = describe(d, evidence, arm.id);
  const breakerWorthy = d.name === 'failure' && config.failure && (evidence.current ?? 0) >= config.failure.quarantineAbove;
  if (action === 'quarantine' || (breakerWorthy && action === 'reweight')) return quarantine(state, out, armIndex, reason, d, evidence);
  if (action === 'reweight') {
    const cooled = state.ticks - arm.lastReweightTick >= arm.cooldown;
    const next = Math.max(state.config.reweight.minWeight, arm.target * state.config.reweight.factor);
    if (cooled && next < arm.target) reweight(state, out, armIndex, next, reason, d, evidence);
    return;
  }
  decide(state, out, { kind: action, target: action === 'pause' ? 'run' : arm.id, reason, detector: d.name, evidence });
}

function describe(d: RiseDetector, e: Evidence, id: string): string {
  const pct = (x: number | null) => (x === null ? '?' : `${(x * 100).toFixed(1)}%`);
  const what: Record<string, string> = { failure: 'failure spike', score: 'score drop', latency: 'latency regression', cost: 'cost anomaly', rework: 'excessive rework' };
  return `${what[d.name] ?? d.name} on ${id}: ${e.metric} ${pct(e.current)} since trial ${e.window.fromTrial} against a baseline of ${pct(e.baseline)} (CUSUM ${e.statistic.toFixed(1)} >= ${e.threshold.toFixed(1)})`;
}
