/**
 * A streaming anytime-valid test of whether the mean of observations in [0, 1] differs from a value
 * m: the two one-sided capital processes of the hedged betting confidence sequence
 * (Waudby-Smith & Ramdas 2023; see confidence-sequence.ts), updated one observation at a time in O(1)
 * instead of recomputed from all the data.
 *
 * Under H0 (the mean is m) each capital is a nonnegative martingale, so by Ville's inequality neither
 * ever reaches 2/alpha except with probability alpha/2, however often it is looked at and whenever
 * the monitor stops: the verdict is valid under continuous monitoring, which a fixed-n test looked at
 * every tick is not.
 */

/** Options of a betting test. */
export interface BettingTestOptions {
  /** Error probability over both sides and the whole (unbounded) sequence; default 0.05. */
  alpha?: number;
  /** Observations at which the test should be most powerful; any value keeps validity. */
  plannedN?: number;
  /** Largest fraction of capital bet, in (0, 1); default 0.5. */
  maxBet?: number;
}

/** The test's state: plain numbers, so it can be copied, stored and replayed. */
export interface BettingTestState {
  m: number;
  alpha: number;
  plannedN: number | null;
  maxBet: number;
  n: number;
  sum: number;
  /** Regularised running sum of squared deviations (starts at 1/4, as in the paper). */
  sumSq: number;
  /** Log-capital of the bettor on "the mean is above m" and on "below m". */
  logUp: number;
  logDown: number;
  /** The side that reached the threshold first, once one has. */
  verdict: 'above' | 'below' | null;
}

/**
 * A fresh test of H0: mean = m.
 *
 * @example
 * const test = createBettingTest(0.5, { alpha: 0.05 });
 * for (const z of pairs) bettingUpdate(test, z);
 * test.verdict; // 'below' when the mean is significantly under 0.5
 */
export function createBettingTest(m: number, options: BettingTestOptions = {}): BettingTestState {
  const { alpha = 0.05, plannedN, maxBet = 0.5 } = options;
  if (!(m > 0 && m < 1)) throw new RangeError(`the tested mean must be in (0, 1), got ${m}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(maxBet > 0 && maxBet < 1)) throw new RangeError(`maxBet must be in (0, 1), got ${maxBet}`);
  if (plannedN !== undefined && !(plannedN > 0)) throw new RangeError(`plannedN must be > 0, got ${plannedN}`);
  return { m, alpha, plannedN: plannedN ?? null, maxBet, n: 0, sum: 0, sumSq: 1 / 4, logUp: 0, logDown: 0, verdict: null };
}

/** The log of the rejection threshold 2/alpha (each side gets alpha/2). */
export function bettingThreshold(state: BettingTestState): number {
  return Math.log(2 / state.alpha);
}

/**
 * Adds one observation x in [0, 1]. The bet for x uses only earlier observations (predictable), which
 * is what keeps the capital a martingale.
 *
 * @example
 * bettingUpdate(test, 0.42);
 */
export function bettingUpdate(state: BettingTestState, x: number): void {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`betting tests need values in [0, 1], got ${x}`);
  const t = state.n + 1;
  const variance = state.sumSq / t;
  const scale = state.plannedN ?? t * Math.log(1 + t);
  const bet = Math.sqrt((2 * Math.log(2 / state.alpha)) / (variance * scale));
  const excess = x - state.m;
  state.logUp += Math.log(1 + Math.min(bet, state.maxBet / state.m) * excess);
  state.logDown += Math.log(1 - Math.min(bet, state.maxBet / (1 - state.m)) * excess);
  state.n = t;
  state.sum += x;
  const mu = (1 / 2 + state.sum) / (t + 1);
  state.sumSq += (x - mu) * (x - mu);
  if (state.verdict === null) {
    const threshold = bettingThreshold(state);
    if (state.logUp >= threshold) state.verdict = 'above';
    else if (state.logDown >= threshold) state.verdict = 'below';
  }
}
