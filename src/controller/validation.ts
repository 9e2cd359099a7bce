import { hashSeed } from '../model/random.js';
import { bettingThreshold, bettingUpdate, createBettingTest, type BettingTestState } from '../stats/betting-test.js';
import type { ValidationResult } from './decision.js';

/** What a change altered for its variant: the control share keeps the `before` values. */
export interface ArmControl {
  weight: number;
  floor: number;
  excluded: boolean;
}

/**
 * One change under test (seed 004's A/B of process changes): a slice of the trials, chosen by a
 * seeded hash of their sequence number, keeps the allocation from before the change (the control);
 * the rest see the change (the treatment). Each control reward is paired with the mean treatment
 * reward since the previous pair, z = (treatment - control + 1) / 2 in [0, 1], and a streaming
 * betting test asks whether E[z] differs from 1/2: valid however often it is looked at.
 */
export interface Validation {
  decisionId: number;
  arm: number;
  slice: number;
  fromSeq: number;
  startedAt: number;
  before: ArmControl;
  test: BettingTestState;
  treatSum: number;
  treatN: number;
  waiting: number[];
  sumT: number;
  sumC: number;
}

/** The slice (0, 1, ...) a trial's control draw falls in, or -1 when it is outside every slice. */
export function sliceOf(seed: number, seq: number, share: number, slices: number): number {
  const u = hashSeed(seed, 'control', seq) / 4294967296;
  const s = Math.floor(u / share);
  return s < slices ? s : -1;
}

/** How many changes can be under test at once: their control slices together stay at most half the trials. */
export function sliceCount(share: number): number {
  return Math.max(1, Math.floor(0.5 / share + 1e-9));
}

/** @example startValidation(7, 2, 0, 1500, 1480, before, { alpha: 0.05, horizon: 2000, controlShare: 0.1 }) */
export function startValidation(
  decisionId: number, arm: number, slice: number, fromSeq: number, startedAt: number, before: ArmControl,
  settings: { alpha: number; horizon: number; controlShare: number },
): Validation {
  const pairs = Math.max(10, Math.round(settings.horizon * settings.controlShare));
  return {
    decisionId, arm, slice, fromSeq, startedAt, before, test: createBettingTest(0.5, { alpha: settings.alpha, plannedN: pairs }),
    treatSum: 0, treatN: 0, waiting: [], sumT: 0, sumC: 0,
  };
}

const MAX_WAITING = 64;

function pair(v: Validation, treatment: number, control: number): void {
  bettingUpdate(v.test, (treatment - control + 1) / 2);
  v.sumT += treatment;
  v.sumC += control;
}

/** A reward from the control slice. */
export function addControl(v: Validation, reward: number): void {
  if (v.treatN > 0) {
    pair(v, v.treatSum / v.treatN, reward);
    v.treatSum = 0;
    v.treatN = 0;
  } else if (v.waiting.length < MAX_WAITING) {
    v.waiting.push(reward);
  }
}

/** A reward from the treatment (a trial dispatched under the change, outside every control slice). */
export function addTreatment(v: Validation, reward: number): void {
  const control = v.waiting.shift();
  if (control !== undefined) pair(v, reward, control);
  else {
    v.treatSum += reward;
    v.treatN++;
  }
}

/**
 * The verdict so far: harmful when the treatment's reward is significantly below the control's,
 * beneficial when above, neutral after `horizon` trials of the run without either; null while open.
 */
export function verdictOf(v: Validation, finished: number, horizon: number): ValidationResult | null {
  const status = v.test.verdict === 'below' ? 'harmful' : v.test.verdict === 'above' ? 'beneficial' : finished - v.startedAt >= horizon ? 'neutral' : null;
  if (!status) return null;
  return resultOf(v, status, finished);
}

/** The numbers behind a validation, with a given status. */
export function resultOf(v: Validation, status: ValidationResult['status'], finished: number): ValidationResult {
  const n = v.test.n;
  return {
    status,
    treatment: n ? round(v.sumT / n) : null,
    control: n ? round(v.sumC / n) : null,
    pairs: n,
    harm: round(v.test.logDown),
    benefit: round(v.test.logUp),
    threshold: round(bettingThreshold(v.test)),
    atTrial: finished,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
