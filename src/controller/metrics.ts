import type { ArmState } from './arm.js';
import { detectorsOf } from './arm.js';
import type { BreakerState } from './decision.js';
import { baselineMean, currentLevel } from './rise-detector.js';
import type { ControllerState } from './state.js';
import { meanOf, throughput, variantMetrics, type VariantMetrics } from './windows.js';

/** Version of the metrics snapshot's shape (stored per run; what /metrics reads). */
export const METRICS_SCHEMA_VERSION = 1;

/** One detector of one variant: how close it is to firing. */
export interface DetectorMetrics {
  name: string;
  metric: string;
  phase: 'warmup' | 'watch' | 'alarmed';
  baseline: number | null;
  current: number | null;
  /** The largest CUSUM statistic over its threshold (1 fires), or the recovery statistic over its threshold when alarmed. */
  pressure: number;
}

export interface VariantControlMetrics extends VariantMetrics {
  id: string;
  breaker: BreakerState;
  weight: number;
  floor: number;
  detectors: DetectorMetrics[];
}

/** The controller's windows and control, as plain numbers. */
export interface ControllerMetrics {
  schemaVersion: typeof METRICS_SCHEMA_VERSION;
  finished: number;
  time: number;
  throughput: number | null;
  meanReward: number | null;
  rewardTrend: number | null;
  errors: number;
  decisions: Record<string, number>;
  validations: { pending: number; beneficial: number; neutral: number; harmful: number };
  paused: boolean;
  variants: VariantControlMetrics[];
}

function detectorMetrics(arm: ArmState): DetectorMetrics[] {
  return detectorsOf(arm).map((d) => {
    let pressure = 0;
    if (d.phase === 'alarmed') pressure = d.recH > 0 ? d.rec / d.recH : 0;
    else if (d.bank) for (let j = 0; j < d.bank.s.length; j++) pressure = Math.max(pressure, d.bank.s[j]! / d.bank.h[j]!);
    return {
      name: d.name, metric: d.metric, phase: d.bank || d.phase === 'alarmed' ? d.phase : 'warmup',
      baseline: d.count ? round(baselineMean(d)) : null, current: d.count ? round(currentLevel(d)) : null, pressure: round(pressure),
    };
  });
}

/**
 * A snapshot of the controller for the dashboard and `GET /metrics`.
 *
 * @example
 * store.controller.saveMetrics(runId, Date.now(), controllerMetrics(state));
 */
export function controllerMetrics(state: ControllerState): ControllerMetrics {
  const decisions: Record<string, number> = {};
  const validations = { pending: 0, beneficial: 0, neutral: 0, harmful: 0 };
  for (const d of state.decisions.values()) {
    decisions[d.kind] = (decisions[d.kind] ?? 0) + 1;
    const s = d.validation.status;
    if (s === 'pending' || s === 'beneficial' || s === 'neutral' || s === 'harmful') validations[s]++;
  }
  const reward = meanOf(state.run.reward);
  const long = meanOf(state.run.rewardLong);
  return {
    schemaVersion: METRICS_SCHEMA_VERSION, finished: state.finished, time: state.time, throughput: throughput(state.run),
    meanReward: reward, rewardTrend: reward !== null && long !== null ? reward - long : null, errors: state.run.errors, decisions, validations,
    paused: state.paused,
    variants: state.arms.map((arm) => ({ id: arm.id, breaker: arm.breaker, weight: arm.weight, floor: arm.floor, ...variantMetrics(arm.window), detectors: detectorMetrics(arm) })),
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
