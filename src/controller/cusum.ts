/**
 * A bank of Bernoulli CUSUMs watching one stream of values in [0, 1] for a rise of its mean above a
 * baseline p0, one CUSUM per alternative p1 (a few odds ratios, so small and large shifts are both
 * caught quickly: a discrete stand-in for the generalised likelihood ratio over p1).
 *
 * Why CUSUM: Page's statistic S = max(0, S + log LR) is the optimal change-point detector (Lorden
 * 1971, Moustakides 1986) and it is built for continuous monitoring: looking at it after every
 * observation is what it is for. Its log-likelihood ratio x ln(p1/p0) + (1 - x) ln((1 - p1)/(1 - p0))
 * is a supermartingale increment for any values in [0, 1] whose mean is at most p0 (convexity), so it
 * stays valid for scores, not only pass/fail.
 *
 * The threshold: under no change the time to a false alarm of one CUSUM is about e^h / I0 observations
 * (Siegmund's approximation; I0 is KL(p0 || p1), the statistic's drift down), so the chance of a false
 * alarm within N observations is about N I0 e^-h. With S CUSUMs in the controller sharing a false-alarm
 * budget alpha, h = ln(N S I0 / alpha). `bench/controller.bench.ts` checks the realised rate.
 */

/** Odds ratios p1/(1-p1) : p0/(1-p0) of the alternatives each bank watches for. */
export const BANK_ODDS: readonly number[] = [1.5, 2, 3, 6, 20];

/** The smallest and largest baseline rates a bank works with (a rate of exactly 0 has no LR). */
export const P_MIN = 0.002;
export const P_MAX = 0.95;

/** A bank's state: plain typed arrays, updated in place on the hot path. */
export interface CusumBank {
  p0: number;
  p1: Float64Array;
  /** ln(p1/p0) and ln((1-p1)/(1-p0)): the log-LR of a 1 and of a 0. */
  up: Float64Array;
  down: Float64Array;
  h: Float64Array;
  /** I0 = KL(p0 || p1) per member, the drift a false alarm has to overcome. */
  drift: Float64Array;
  s: Float64Array;
  /** Observation index at which each member's current excursion above 0 began (its first positive value), and its sum since. */
  start: Float64Array;
  sum: Float64Array;
  /** The same start, as a position in the run (its finished-trial count), for the evidence window. */
  startRun: Float64Array;
  /** Members above 0: with none and a 0 observed, nothing can change (the common case, skipped). */
  active: number;
}

/** Bernoulli KL divergence KL(p || q). */
export function klBernoulli(p: number, q: number): number {
  const a = p > 0 ? p * Math.log(p / q) : 0;
  const b = p < 1 ? (1 - p) * Math.log((1 - p) / (1 - q)) : 0;
  return a + b;
}

/** The alternative with odds `ratio` times those of p0. */
export function oddsShift(p0: number, ratio: number): number {
  const odds = (p0 / (1 - p0)) * ratio;
  return Math.min(0.995, odds / (1 + odds));
}

/**
 * A bank with no evidence yet, at baseline p0.
 *
 * @example
 * const bank = createBank(0.05, { observations: 1e5, streams: 60, alpha: 0.01 });
 */
export function createBank(p0: number, calibration: Calibration): CusumBank {
  const k = BANK_ODDS.length;
  const bank: CusumBank = {
    p0: 0, p1: new Float64Array(k), up: new Float64Array(k), down: new Float64Array(k), h: new Float64Array(k),
    drift: new Float64Array(k), s: new Float64Array(k), start: new Float64Array(k), sum: new Float64Array(k), startRun: new Float64Array(k), active: 0,
  };
  setBaseline(bank, p0, calibration);
  return bank;
}

/** What the thresholds are calibrated for: N observations, S CUSUMs sharing a false-alarm budget alpha. */
export interface Calibration {
  observations: number;
  streams: number;
  alpha: number;
}

/**
 * Nats given back from Siegmund's approximation. It ignores the overshoot of the statistic over h
 * and the tested rate sits one standard error above the baseline; both make false alarms rarer than
 * N I0 e^-h. Simulated stationary Bernoulli streams of 33,000 values (rates 0.02 to 0.5, every bank
 * member) leave 3.6 to 5.8 nats between h and the 0.1% quantile of the largest statistic without
 * slack; the run's budget needs about 1.6 of them for the step from 0.1% to the per-stream share of
 * alpha and 1.1 for a variant that gets all the trials, which leaves about 1 to give back.
 * `bench/controller.bench.ts` checks the whole controller on stationary runs.
 */
export const CALIBRATION_SLACK = 1;

/**
 * The threshold h = ln(N S I0 / alpha) - slack, never below ln(S / alpha) + 1 (a member with a tiny
 * drift still needs real evidence). S counts the CUSUMs watching one variant and N the trials of the
 * run: the variants share the N trials, so N S bounds the CUSUM-observations of the whole run.
 *
 * @example
 * cusumThreshold(0.05, { observations: 1e5, streams: 35, alpha: 0.01 }); // about 15.5
 */
export function cusumThreshold(drift: number, c: Calibration): number {
  return Math.max(Math.log((c.observations * c.streams * drift) / c.alpha) - CALIBRATION_SLACK, Math.log(c.streams / c.alpha) + 1);
}

/**
 * Moves the bank to a new baseline (called at ticks as the baseline estimate moves): the log-LRs and
 * thresholds change, the statistics carry on.
 */
export function setBaseline(bank: CusumBank, p0: number, c: Calibration): void {
  const base = Math.min(P_MAX, Math.max(P_MIN, p0));
  if (base === bank.p0) return;
  bank.p0 = base;
  BANK_ODDS.forEach((ratio, j) => {
    const p1 = oddsShift(base, ratio);
    bank.p1[j] = p1;
    bank.up[j] = Math.log(p1 / base);
    bank.down[j] = Math.log((1 - p1) / (1 - base));
    bank.drift[j] = klBernoulli(base, p1);
    bank.h[j] = cusumThreshold(bank.drift[j]!, c);
  });
}

/**
 * Adds observation number `index` (value x in [0, 1]), made when the run had finished `runIndex`
 * trials; returns the member whose statistic crossed its threshold by the widest margin, or -1.
 *
 * @example
 * if (observe(bank, failed ? 1 : 0, trials, runTrials) >= 0) alarm();
 */
export function observe(bank: CusumBank, x: number, index: number, runIndex: number): number {
  let fired = -1;
  let margin = 1;
  const y = 1 - x;
  for (let j = 0; j < bank.s.length; j++) {
    const prev = bank.s[j]!;
    const s = prev + x * bank.up[j]! + y * bank.down[j]!;
    if (s <= 0) {
      if (prev !== 0) bank.active--;
      bank.s[j] = 0;
      continue;
    }
    if (prev === 0) {
      bank.active++;
      bank.start[j] = index;
      bank.startRun[j] = runIndex;
      bank.sum[j] = x;
    } else {
      bank.sum[j] = bank.sum[j]! + x;
    }
    bank.s[j] = s;
    const over = s / bank.h[j]!;
    if (over >= margin) {
      fired = j;
      margin = over;
    }
  }
  return fired;
}

/** True when any member is above half its threshold: the stream looks suspicious. */
export function elevated(bank: CusumBank): boolean {
  for (let j = 0; j < bank.s.length; j++) if (bank.s[j]! * 2 >= bank.h[j]!) return true;
  return false;
}

/** Clears every statistic (after an alarm has been acted on, or a reset). */
export function clearBank(bank: CusumBank, index: number, runIndex: number): void {
  bank.active = 0;
  bank.s.fill(0);
  bank.sum.fill(0);
  bank.start.fill(index);
  bank.startRun.fill(runIndex);
}
