import type { ControllerConfig } from './config.js';
import type { BreakerState } from './decision.js';
import { addValue, clearHistogram, createLogHistogram, effectiveCount, quantilePair, type LogHistogram } from './log-histogram.js';
import { createRise, riseObserve, riseRebaseline, type RiseDetector } from './rise-detector.js';
import { createVariantWindow, type VariantWindow } from './windows.js';

/** A latency or cost watched through exceedances of its baseline p50 and p95. */
export interface QuantileWatch {
  base: LogHistogram;
  p50: RiseDetector;
  p95: RiseDetector;
  /** Values above these count as exceedances (baseline quantile x (1 + tolerance) + margin). */
  over50: number;
  over95: number;
}

/**
 * Everything the controller keeps about one variant: its detectors, its metric windows and the
 * control it has over it (weight, minimum share, circuit breaker, cool-down).
 */
export interface ArmState {
  id: string;
  maxRetries: number;
  failure: RiseDetector | null;
  score: RiseDetector | null;
  rework: RiseDetector | null;
  latency: QuantileWatch | null;
  cost: QuantileWatch | null;
  window: VariantWindow;
  /** The rise detectors above, in the order their alarms are handled (fixed at creation). */
  detectors: RiseDetector[];
  /** The weight in force and the one it ramps toward (at most `maxStep` per tick). */
  weight: number;
  target: number;
  floor: number;
  floorTarget: number;
  breaker: BreakerState;
  /** Finished-trial count of the run at which an open breaker goes half-open. */
  openUntil: number;
  backoff: number;
  /** Half-open: probe trials seen and their recovery log-LR. */
  probes: number;
  probeEvidence: number;
  /** The detector that tripped the breaker (its metric decides the probes) and the quarantine's id. */
  trippedBy: RiseDetector | null;
  quarantineId: number | null;
  /** Quarantines since the last periodic reset (the breaker's own thrashing). */
  quarantines: number;
  /** Tick of the last reweight, and the cool-down in ticks (doubled by thrashing). */
  lastReweightTick: number;
  cooldown: number;
  /** Directions (+1 up, -1 down) of the latest reweights, for the controller's own thrashing. */
  directions: number[];
  starvedTicks: number;
}

/** @example createArm('gpt-4o', 2, config) */
export function createArm(id: string, maxRetries: number, config: ControllerConfig): ArmState {
  const d = config.detectors;
  const rise = (name: string, metric: string) => createRise(name, metric, config.warmup, config.halfLife);
  const arm: ArmState = {
    id,
    maxRetries,
    failure: d.failure ? rise('failure', 'error rate') : null,
    score: d.score ? rise('score', 'score shortfall (1 - score)') : null,
    rework: d.rework && maxRetries > 0 ? rise('rework', 'retries per trial / max retries') : null,
    latency: d.latency ? quantileWatch('latency', 'latency', 0.01, 1e7, config.halfLife) : null,
    cost: d.cost ? quantileWatch('cost', 'cost', 1e-9, 1e4, config.halfLife) : null,
    window: createVariantWindow(),
    weight: 1, target: 1, floor: 0, floorTarget: 0,
    breaker: 'closed', openUntil: 0, backoff: config.quarantine.backoff, probes: 0, probeEvidence: 0, trippedBy: null, quarantineId: null, quarantines: 0,
    lastReweightTick: -Infinity, cooldown: config.reweight.cooldown, directions: [], starvedTicks: 0, detectors: [],
  };
  arm.detectors = listDetectors(arm);
  return arm;
  function quantileWatch(name: string, metric: string, low: number, high: number, halfLife: number): QuantileWatch {
    return {
      base: createLogHistogram(low, high, halfLife),
      p50: createRise(name, `share of trials above the baseline ${metric} p50`, config.warmup, halfLife),
      p95: createRise(name, `share of trials above the baseline ${metric} p95`, config.warmup, halfLife),
      over50: Infinity,
      over95: Infinity,
    };
  }
}

/** The rise detectors of an arm, in the order their alarms are handled (the most urgent first). */
export function detectorsOf(arm: ArmState): readonly RiseDetector[] {
  return arm.detectors;
}

function listDetectors(arm: ArmState): RiseDetector[] {
  const out: RiseDetector[] = [];
  if (arm.failure) out.push(arm.failure);
  if (arm.rework) out.push(arm.rework);
  if (arm.score) out.push(arm.score);
  if (arm.latency) out.push(arm.latency.p95, arm.latency.p50);
  if (arm.cost) out.push(arm.cost.p95, arm.cost.p50);
  return out;
}

/** What one finished trial tells the arm's detectors. */
export interface ArmSample {
  error: boolean;
  score: number | null;
  latencyMs: number;
  /** Null when the adapter did not report it (a CLI agent): no cost observation. */
  cost: number | null;
  retries: number;
}

/**
 * Feeds one finished trial to the detectors; returns true when any raised an alarm. A trial that
 * finished in the burst after a stall of the process is not a latency observation.
 *
 * @example
 * if (observeArm(arm, sample, runTrials)) tickNow();
 */
export function observeArm(arm: ArmState, s: ArmSample, runIndex: number, afterStall = false): boolean {
  let raised = false;
  if (arm.failure) raised = riseObserve(arm.failure, s.error ? 1 : 0, runIndex) || raised;
  if (arm.rework) raised = riseObserve(arm.rework, Math.min(1, s.retries / arm.maxRetries), runIndex) || raised;
  if (!s.error) {
    if (arm.score && s.score !== null) raised = riseObserve(arm.score, 1 - s.score, runIndex) || raised;
    if (arm.latency && !afterStall) raised = watchValue(arm.latency, s.latencyMs, runIndex) || raised;
  }
  if (arm.cost && s.cost !== null) raised = watchValue(arm.cost, s.cost, runIndex) || raised;
  return raised;
}

function watchValue(w: QuantileWatch, value: number, runIndex: number): boolean {
  // Until the baseline has its first quantiles there is nothing to exceed: it only learns.
  if (w.over50 === Infinity) {
    addValue(w.base, value);
    return false;
  }
  const a = riseObserve(w.p50, value > w.over50 ? 1 : 0, runIndex);
  const b = riseObserve(w.p95, value > w.over95 ? 1 : 0, runIndex);
  // The baseline distribution learns only while neither exceedance stream is suspicious.
  if (w.p50.phase === 'watch' && w.p95.phase === 'watch' && w.p50.fired < 0 && w.p95.fired < 0) addValue(w.base, value);
  return a || b;
}

/**
 * Moves the exceedance thresholds to the baseline's current quantiles (every few ticks: a quantile
 * costs a pass over the bins). Until the warm-up is over nothing counts as an exceedance.
 *
 * @example
 * refreshQuantiles(arm.latency, 0.1, 50);
 */
export function refreshQuantiles(w: QuantileWatch, tolerance: number, margin: number, warmup: number): void {
  if (effectiveCount(w.base) < warmup || w.p50.phase !== 'watch' || w.p95.phase !== 'watch') return;
  const q = quantilePair(w.base, 0.5, 0.95);
  if (!q) return;
  w.over50 = q[0] * (1 + tolerance) + margin;
  w.over95 = q[1] * (1 + tolerance) + margin;
}

/** Forgets a quantile watch's baseline: the current distribution becomes the new normal. */
export function rebaselineQuantiles(w: QuantileWatch): void {
  clearHistogram(w.base);
  riseRebaseline(w.p50);
  riseRebaseline(w.p95);
  w.over50 = Infinity;
  w.over95 = Infinity;
}
