import type { Steering } from '../policies/steer.js';
import { createAllocationWatch, type AllocationWatch } from './allocation.js';
import { createArm, detectorsOf, type ArmState } from './arm.js';
import type { ControllerConfig } from './config.js';
import { BANK_ODDS, type Calibration } from './cusum.js';
import type { Decision } from './decision.js';
import type { ArmSample } from './arm.js';
import type { ControllerAction } from './decide.js';
import type { WindowSample } from './windows.js';
import type { Validation } from './validation.js';
import { sliceCount } from './validation.js';
import { createRunWindow, type RunWindow } from './windows.js';

/** What a controller is built for. */
export interface ControllerInit {
  config: ControllerConfig;
  /** The variants in arm order, with their retry limit (the rework detector's scale). */
  variants: readonly { id: string; retries: number }[];
  /** The run's seed: the control slices of validations are a seeded hash of each trial's seq. */
  seed: number;
  /** False for a grid run, whose allocation is fixed: reweights and quarantines become escalations. */
  steerable: boolean;
  /** The policy's own minimum share, the default for the starvation detector's. */
  policyMinShare?: number;
}

/**
 * The controller's whole state. Plain data updated in place by `transition` (a trial event touches a
 * few numbers per detector, so copying the state per event would cost more than the controller's
 * budget); it holds no clock, no I/O and no randomness beyond seeded hashes, so the same events give
 * the same state and decisions in the engine, in simulation and on replay.
 */
export interface ControllerState {
  readonly config: ControllerConfig;
  readonly seed: number;
  readonly steerable: boolean;
  readonly arms: ArmState[];
  readonly calibration: Calibration;
  /** The minimum share the starvation detector enforces (0: idle). */
  readonly minShare: number;
  /** Finished trials seen (the position on the charts' axis). */
  finished: number;
  /** One past the highest trial seq dispatched, as last reported. */
  nextSeq: number;
  /** Time of the latest event (ms); the controller has no clock of its own. */
  time: number;
  ticks: number;
  lastTickAt: number;
  lastResetAt: number;
  lastThrashSample: number;
  lastProgress: number;
  stalled: boolean;
  /** An alarm was raised since the last tick: decide now rather than at the next tick. */
  alarmed: boolean;
  paused: boolean;
  /** Latency alarms up to this finished-trial count belong to a shared slowdown and are dismissed. */
  stallUntil: number;
  /** Usual gap between finishes (ms, smoothed) and the end of the last stall of the process. */
  usualGap: number;
  stallEnd: number;
  nextId: number;
  decisions: Map<number, Decision>;
  /** Per reset decision, each arm's target weight and floor before it (what undoing it restores). */
  resetBefore: Map<number, { target: number; floorTarget: number }[]>;
  /** Changes under test, by control slice, and how many slices are in use. */
  validations: (Validation | null)[];
  validating: number;
  allocation: AllocationWatch;
  run: RunWindow;
  /** The steering in force, rebuilt when `version` changes, and per-slice control steerings. */
  version: number;
  steering: Steering | null;
  steeringVersion: number;
  controls: (Steering | null)[];
  controlsVersion: number;
  /** Scratch space of the hot path: the sample of the trial being learnt, and the result with no action. */
  readonly sample: ArmSample & WindowSample;
  readonly quiet: { state: ControllerState; actions: readonly ControllerAction[] };
}

/** CUSUMs watching one variant: each rise detector is a bank of BANK_ODDS.length members. */
function streamsPerVariant(config: ControllerConfig, anyRetries: boolean): number {
  const d = config.detectors;
  const rises = (d.failure ? 1 : 0) + (d.score ? 1 : 0) + (d.rework && anyRetries ? 1 : 0) + (d.latency ? 2 : 0) + (d.cost ? 2 : 0);
  return Math.max(1, rises * BANK_ODDS.length);
}

/**
 * A controller with no evidence yet.
 *
 * @example
 * const state = createController({ config: defaultControllerConfig(), variants: [{ id: 'a', retries: 2 }, { id: 'b', retries: 2 }], seed: 7, steerable: true });
 */
export function createController(init: ControllerInit): ControllerState {
  const { config } = init;
  const arms = init.variants.map((v) => createArm(v.id, v.retries, config));
  const d = config.detectors;
  const windows = [d.starvation?.window ?? 1, (d.thrashing && d.thrashing.allocation ? d.thrashing.allocation.window : 1)];
  const slices = config.validation ? sliceCount(config.validation.controlShare) : 0;
  const state: ControllerState = {
    config, seed: init.seed, steerable: init.steerable, arms,
    minShare: d.starvation ? (d.starvation.minShare ?? init.policyMinShare ?? 0) : 0,
    calibration: { observations: config.horizon, streams: streamsPerVariant(config, init.variants.some((v) => v.retries > 0)), alpha: config.falseAlarm },
    finished: 0, nextSeq: 0, time: 0, ticks: 0, lastTickAt: 0, lastResetAt: 0, lastThrashSample: 0, lastProgress: -1, stalled: false,
    alarmed: false, paused: false, stallUntil: -1, usualGap: 0, stallEnd: -Infinity, nextId: 1, decisions: new Map(), resetBefore: new Map(),
    validations: new Array<Validation | null>(slices).fill(null),
    validating: 0,
    allocation: createAllocationWatch(arms.length, windows),
    run: createRunWindow(),
    version: 0, steering: null, steeringVersion: -1, controls: new Array<Steering | null>(slices).fill(null), controlsVersion: -1,
    sample: { time: 0, error: false, errorKind: null, score: null, reward: 0, latencyMs: 0, cost: 0, retries: 0 },
    quiet: { state: null as unknown as ControllerState, actions: Object.freeze([]) as readonly ControllerAction[] },
  };
  (state.quiet as { state: ControllerState }).state = state;
  return state;
}

/** Arms whose breaker is not closed (out of rotation or being probed). */
export function quarantinedCount(state: ControllerState): number {
  return state.arms.filter((a) => a.breaker !== 'closed').length;
}

/** Every rise detector of the controller, for refreshes and metrics. */
export function allDetectors(state: ControllerState) {
  return state.arms.flatMap((arm, i) => detectorsOf(arm).map((d) => ({ arm: i, detector: d })));
}
