import { clearBank, createBank, setBaseline, type Calibration, type CusumBank } from './cusum.js';
import type { Evidence } from './decision.js';

/**
 * Watches one stream of values in [0, 1] of one variant (errors, 1 - score, retries, exceedances of a
 * latency quantile) for a rise above the variant's own recent baseline, then, once the controller has
 * acted, for the return to that baseline.
 *
 * - watch: the baseline is a discounted mean (half-life in the variant's trials) that stops learning
 *   while the CUSUM bank looks suspicious, so a change does not leak into its own reference. The bank
 *   tests against p0 = baseline + one standard error: a baseline a little too low must not look like
 *   a rise. Nothing is tested during the warm-up.
 * - alarmed (after an action): the baseline is frozen; a recovery CUSUM accumulates the log-LR of
 *   "back at the baseline" against "at the degraded level", with the same threshold: the gap between
 *   the two tests is the hysteresis.
 */
export interface RiseDetector {
  readonly name: string;
  readonly metric: string;
  readonly warmup: number;
  readonly decay: number;
  count: number;
  /** Discounted weight and sum of the baseline's values. */
  bw: number;
  bs: number;
  bank: CusumBank | null;
  phase: 'watch' | 'alarmed';
  /** The member that crossed its threshold (an alarm not yet acted on), or -1. */
  fired: number;
  firedAt: number;
  frozen: number;
  /** The alternative that fired: the degraded level the probes of a quarantined variant are tested against. */
  bad: number;
  /** Alarmed: values seen since the alarm and their sum (the degraded level as it is now), and the smallest alternative. */
  postN: number;
  postSum: number;
  floorBad: number;
  rec: number;
  recH: number;
  /** Exponentially weighted mean of the latest values (half-life 50), the current level. */
  level: number;
  levelW: number;
  /** Evidence of the alarm being handled (kept for the decisions it leads to). */
  evidence: Evidence | null;
}

const LEVEL_DECAY = 2 ** (-1 / 50);

/** @example createRise('failure', 'error rate', 200, 2000) */
export function createRise(name: string, metric: string, warmup: number, halfLife: number): RiseDetector {
  return {
    name, metric, warmup, decay: 2 ** (-1 / halfLife), count: 0, bw: 0, bs: 0, bank: null, phase: 'watch', fired: -1, firedAt: 0,
    frozen: 0, bad: 0, postN: 0, postSum: 0, floorBad: 0, rec: 0, recH: 0, level: 0, levelW: 0, evidence: null,
  };
}

/** The baseline mean, shrunk toward 1/2 by one pseudo-observation (so an all-zero start is not 0). */
export function baselineMean(d: RiseDetector): number {
  return (d.bs + 0.5) / (d.bw + 1);
}

/** The rate the bank tests against: the baseline plus one standard error. */
export function testedRate(d: RiseDetector): number {
  const m = baselineMean(d);
  return m + Math.sqrt((m * (1 - m)) / (d.bw + 1));
}

/** The current level: the recent weighted mean, or the baseline before anything is seen. */
export function currentLevel(d: RiseDetector): number {
  return d.levelW > 0 ? d.level / d.levelW : baselineMean(d);
}

/**
 * Adds one value. Returns true when it raised an alarm (the first crossing of a threshold).
 *
 * @example
 * if (riseObserve(failures, outcome.status === 'error' ? 1 : 0, runTrials)) ...
 */
export function riseObserve(d: RiseDetector, x: number, runIndex: number): boolean {
  const count = ++d.count;
  d.level = d.level * LEVEL_DECAY + x;
  d.levelW = d.levelW * LEVEL_DECAY + 1;
  if (d.phase === 'alarmed') {
    // Recovery: "back at the baseline" against "still at the degraded level", where the degraded level
    // is the mean since the alarm (one pseudo-value at the alternative that fired), known before x is
    // seen. Tracking the level keeps a variant that is better than what fired but still worse than
    // its baseline from looking recovered; a plug-in fixed beforehand keeps the test a supermartingale.
    const bad = Math.min(d.bad, Math.max(d.floorBad, (d.postSum + d.bad) / (d.postN + 1)));
    const r = d.rec + x * Math.log(d.frozen / bad) + (1 - x) * Math.log((1 - d.frozen) / (1 - bad));
    d.rec = r > 0 ? r : 0;
    d.postN++;
    d.postSum += x;
    return false;
  }
  const bank = d.bank;
  let raised = false;
  // The baseline learns only while the bank is unarmed or nothing looks suspicious (a member above
  // half its threshold, or an alarm waiting): a change must not leak into its own reference.
  let suspicious = bank !== null && d.fired >= 0;
  if (bank !== null && d.fired < 0 && (x !== 0 || bank.active > 0)) {
    // Page's recursion for every member in one pass (this runs for every trial of every variant).
    const { s, up, down, h, sum } = bank;
    const y = 1 - x;
    let fired = -1;
    let margin = 1;
    for (let j = 0; j < s.length; j++) {
      const prev = s[j]!;
      const v = prev + x * up[j]! + y * down[j]!;
      if (v <= 0) {
        if (prev !== 0) {
          s[j] = 0;
          bank.active--;
        }
        continue;
      }
      if (prev === 0) {
        // A new excursion starts here: it is the change-point estimate the evidence reports.
        bank.active++;
        bank.start[j] = count;
        bank.startRun[j] = runIndex;
        sum[j] = x;
      } else {
        sum[j] = sum[j]! + x;
      }
      s[j] = v;
      const ratio = v / h[j]!;
      if (ratio >= 0.5) suspicious = true;
      if (ratio >= margin) {
        margin = ratio;
        fired = j;
      }
    }
    if (fired >= 0) {
      d.fired = fired;
      d.firedAt = runIndex;
      raised = true;
    }
  }
  if (!suspicious) {
    d.bw = d.bw * d.decay + 1;
    d.bs = d.bs * d.decay + x;
  }
  return raised;
}

/**
 * At a tick: arms the bank once the warm-up is over and moves its baseline to the current estimate.
 *
 * @example
 * riseRefresh(detector, { observations: 1e5, streams: 60, alpha: 0.01 });
 */
export function riseRefresh(d: RiseDetector, c: Calibration): void {
  if (d.phase !== 'watch' || d.count < d.warmup) return;
  if (!d.bank) d.bank = createBank(testedRate(d), c);
  else if (d.fired < 0) setBaseline(d.bank, testedRate(d), c);
}

/** The evidence of a pending alarm, or null. */
export function riseEvidence(d: RiseDetector, runIndex: number): Evidence | null {
  const bank = d.bank;
  const j = d.fired;
  if (!bank || j < 0) return null;
  const n = d.count - bank.start[j]! + 1;
  return {
    detector: d.name,
    metric: d.metric,
    test: `Bernoulli CUSUM, odds x${[1.5, 2, 3, 6, 20][j]}`,
    statistic: round(bank.s[j]!),
    threshold: round(bank.h[j]!),
    baseline: round(baselineMean(d)),
    current: round(n > 0 ? bank.sum[j]! / n : currentLevel(d)),
    samples: { baseline: Math.round(d.bw), current: n },
    window: { fromTrial: bank.startRun[j]!, toTrial: runIndex },
    details: { testedRate: round(bank.p0), alternative: round(bank.p1[j]!) },
  };
}

/**
 * The controller acted on the alarm: freeze the baseline, estimate the degraded level, and start
 * watching for recovery.
 */
export function riseAcknowledge(d: RiseDetector, runIndex: number): void {
  const bank = d.bank;
  const j = d.fired;
  if (!bank || j < 0) return;
  d.evidence = riseEvidence(d, runIndex);
  d.phase = 'alarmed';
  d.frozen = bank.p0;
  // Recovery is tested against the alternative that fired, the smallest change the evidence showed:
  // a degraded level estimated too high would let a still-degraded variant look recovered.
  d.bad = bank.p1[j]!;
  d.floorBad = bank.p1[0]!;
  d.postN = 0;
  d.postSum = 0;
  d.rec = 0;
  d.recH = bank.h[j]!;
  d.fired = -1;
  clearBank(bank, d.count, runIndex);
}

/** An alarm the controller chose not to act on (its action is none): start afresh. */
export function riseDismiss(d: RiseDetector, runIndex: number): void {
  if (d.bank) clearBank(d.bank, d.count, runIndex);
  d.fired = -1;
}

/** True when, in the alarmed phase, the recovery statistic has reached its threshold. */
export function riseRecovered(d: RiseDetector): boolean {
  return d.phase === 'alarmed' && d.rec >= d.recH;
}

/** Back to watching against the frozen baseline (after a recovery, or a rollback of the action). */
export function riseResume(d: RiseDetector, runIndex: number): void {
  d.phase = 'watch';
  d.fired = -1;
  d.evidence = null;
  if (d.bank) clearBank(d.bank, d.count, runIndex);
}

/** Forget the baseline: the current level becomes the new normal after a fresh warm-up. */
export function riseRebaseline(d: RiseDetector): void {
  d.phase = 'watch';
  d.fired = -1;
  d.evidence = null;
  d.bank = null;
  d.bw = 0;
  d.bs = 0;
  d.count = 0;
}

/** Log-LR of "at the baseline" against "at the degraded level" for values seen while probing. */
export function recoveryEvidence(d: RiseDetector, x: number): number {
  const p0 = d.frozen || testedRate(d);
  const bad = d.bad || Math.min(0.995, p0 * 4);
  return x * Math.log(p0 / bad) + (1 - x) * Math.log((1 - p0) / (1 - bad));
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
