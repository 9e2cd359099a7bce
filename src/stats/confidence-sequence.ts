/**
 * Anytime-valid confidence sequences for the mean of observations bounded in [0, 1]: the hedged
 * capital CS of Waudby-Smith & Ramdas (2023, "Estimating means of bounded random variables by
 * betting", JRSS-B, Theorem 3 with the predictable plug-in bets of their eq. 26).
 *
 * Why betting: the interval may be looked at after every trial and a run stopped whenever it excludes
 * a value, yet the chance it ever excludes the true mean stays ≤ α. A fixed-n interval checked
 * repeatedly does not have that property (see aaPeekingExperiment). Among valid CSs for bounded data the
 * betting one is the tightest known in practice, and it adapts to the variance (pass rates near 0 or 1
 * get narrow sequences).
 *
 * How: for a candidate mean m, a gambler bets a fraction λ_t of capital that x_t > m (K⁺) and another
 * that x_t < m (K⁻). If m is the true mean neither capital can grow large except with probability α
 * (Ville's inequality). m is excluded once max(K⁺, K⁻)/2 reaches 1/α at any time so far, so the
 * sequence is the running intersection. K⁺ is non-increasing in m and K⁻ non-decreasing, so the
 * surviving set is an interval whose ends are found by bisection, with no grid.
 */

/** Options for the confidence sequences. */
export interface ConfidenceSequenceOptions {
  /** Error probability over the whole (unbounded) sequence, default 0.05. */
  alpha?: number;
  /**
   * The number of observations at which the sequence should be tightest. Without it the bets shrink
   * like 1/√(t log t), which is good at every scale but loose at any one. Any value keeps validity.
   */
  plannedN?: number;
  /** Largest fraction of capital bet, c in the paper: in (0, 1), default 0.5. */
  maxBet?: number;
  /** Precision of the bounds, default 1e-7. */
  tolerance?: number;
}

/** A confidence sequence's current interval for a mean. */
export interface SequenceInterval {
  n: number;
  estimate: number;
  low: number;
  high: number;
}

interface Prepared {
  values: Float64Array;
  bets: Float64Array;
  threshold: number;
  maxBet: number;
}

/**
 * The predictable plug-in bet sizes λ̇_t = √(2 log(2/α) / (σ̂²_{t−1} · scale_t)), with the regularised
 * running mean and variance of the paper (μ̂ starts at ½, σ̂² at ¼) and scale_t = t·log(1 + t) or the
 * planned n. Each λ̇_t uses only observations before t, which is what keeps the capital a martingale.
 */
function prepare(values: ArrayLike<number>, options: ConfidenceSequenceOptions): Prepared {
  const { alpha = 0.05, plannedN, maxBet = 0.5 } = options;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(maxBet > 0 && maxBet < 1)) throw new RangeError(`maxBet must be in (0, 1), got ${maxBet}`);
  if (plannedN !== undefined && !(plannedN > 0)) throw new RangeError(`plannedN must be > 0, got ${plannedN}`);
  const data = Float64Array.from(values);
  const bets = new Float64Array(data.length);
  const logTerm = 2 * Math.log(2 / alpha);
  let sum = 0;
  let sumSq = 1 / 4;
  for (let i = 0; i < data.length; i++) {
    const x = data[i] as number;
    if (!(x >= 0 && x <= 1)) throw new RangeError(`confidence sequences need values in [0, 1], got ${x} at ${i}`);
    const t = i + 1;
    const varPrev = sumSq / t;
    const scale = plannedN ?? t * Math.log(1 + t);
    bets[i] = Math.sqrt(logTerm / (varPrev * scale));
    sum += x;
    const mu = (1 / 2 + sum) / (t + 1);
    sumSq += (x - mu) * (x - mu);
  }
  return { values: data, bets, threshold: 2 / alpha, maxBet };
}

/**
 * The first index at which the capital betting that the mean is above m ('up') or below m ('down')
 * reaches the threshold, or −1. Plain products are enough: every factor is ≥ 1 − maxBet > 0, and a
 * crossing ends the scan before anything can overflow.
 */
function firstCrossing(p: Prepared, m: number, side: 'up' | 'down', limit = p.values.length): number {
  const cap = side === 'up' ? p.maxBet / m : p.maxBet / (1 - m);
  let capital = 1;
  for (let i = 0; i < limit; i++) {
    const bet = Math.min(p.bets[i] as number, cap);
    const excess = (p.values[i] as number) - m;
    capital *= side === 'up' ? 1 + bet * excess : 1 - bet * excess;
    if (capital >= p.threshold) return i;
    // Stopping once capital is negligible can only keep m in the set (conservative) and saves the
    // scan for the many m far from the data that bisection probes.
    if (capital < 1e-250) return -1;
  }
  return -1;
}

function bisect(p: Prepared, side: 'up' | 'down', tolerance: number): number {
  // 'up' rejects small m: the bound is the largest rejected m. 'down' mirrors it from above.
  let rejected = side === 'up' ? 0 : 1;
  let kept = p.values.length === 0 ? rejected : side === 'up' ? 1 : 0;
  if (firstCrossing(p, rejected, side) < 0) return rejected;
  while (Math.abs(kept - rejected) > tolerance) {
    const mid = (kept + rejected) / 2;
    if (firstCrossing(p, mid, side) >= 0) rejected = mid;
    else kept = mid;
  }
  return rejected;
}

/**
 * The hedged-capital confidence sequence for the mean of values in [0, 1], evaluated after all the
 * values (running intersection over every prefix). With no values the interval is [0, 1].
 *
 * @example
 * meanConfidenceSequence(passes); // { n: 500, estimate: 0.62, low: 0.55, high: 0.69 }
 */
export function meanConfidenceSequence(values: ArrayLike<number>, options: ConfidenceSequenceOptions = {}): SequenceInterval {
  const p = prepare(values, options);
  const tolerance = options.tolerance ?? 1e-7;
  let sum = 0;
  for (const v of p.values) sum += v;
  return {
    n: p.values.length,
    estimate: p.values.length ? sum / p.values.length : NaN,
    low: bisect(p, 'up', tolerance),
    high: bisect(p, 'down', tolerance),
  };
}

/**
 * Whether the sequence has excluded `m` at or before each of the given prefix lengths (ascending),
 * in one pass. This is what a monitor that peeks at those times would have concluded.
 *
 * @example
 * excludedAt(passes, 0.5, [100, 200, 300]); // [false, false, true]
 */
export function excludedAt(
  values: ArrayLike<number>,
  m: number,
  looks: readonly number[],
  options: ConfidenceSequenceOptions = {},
): boolean[] {
  const p = prepare(values, options);
  const up = firstCrossing(p, m, 'up');
  const down = firstCrossing(p, m, 'down');
  const first = Math.min(up < 0 ? Infinity : up, down < 0 ? Infinity : down);
  return looks.map((n) => first < n);
}

/**
 * A confidence sequence for mean(x) − mean(y), both in [0, 1]. With equal lengths the arms are paired
 * in arrival order and z = (x − y + 1)/2 ∈ [0, 1] gets a single sequence (tight; valid when the pairs
 * are independent draws, as in an alternating or simultaneous A/B split). With unequal lengths each
 * arm gets its own sequence at α/2 and the difference is bounded by a union bound (valid, wider).
 *
 * @example
 * differenceConfidenceSequence(candPasses, basePasses); // { n: 400, estimate: 0.05, low: -0.04, high: 0.14 }
 */
export function differenceConfidenceSequence(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: ConfidenceSequenceOptions = {},
): SequenceInterval {
  if (x.length === y.length) {
    const z = new Float64Array(x.length);
    for (let i = 0; i < z.length; i++) z[i] = ((x[i] as number) - (y[i] as number) + 1) / 2;
    const cs = meanConfidenceSequence(z, options);
    return { n: cs.n, estimate: 2 * cs.estimate - 1, low: 2 * cs.low - 1, high: 2 * cs.high - 1 };
  }
  const half = { ...options, alpha: (options.alpha ?? 0.05) / 2 };
  const a = meanConfidenceSequence(x, half);
  const b = meanConfidenceSequence(y, half);
  return { n: Math.min(a.n, b.n), estimate: a.estimate - b.estimate, low: a.low - b.high, high: a.high - b.low };
}
