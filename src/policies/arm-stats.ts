/**
 * How old outcomes are forgotten when rewards drift: `discount` multiplies every arm's statistics by
 * that factor on each update; `window` keeps only the last N outcomes over all arms (so an arm not
 * chosen lately loses its evidence and gets explored again, as in sliding-window UCB).
 */
export interface Forgetting {
  discount?: number;
  window?: number;
}

/**
 * Per-arm running statistics of one value (a reward, a latency...), with optional forgetting.
 * `n`, `sum` and `sumSq` are the effective (discounted or windowed) weight, sum and sum of squares;
 * `pulls` counts every observation ever, for burn-in.
 *
 * @example
 * const stats = createArmStats(3, { window: 500 });
 * stats.add(1, 0.7);
 * stats.mean(1); // 0.7
 */
export interface ArmStats {
  readonly n: Float64Array;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  readonly pulls: Float64Array;
  /** Sum of `n` over arms. */
  total(): number;
  mean(arm: number): number;
  add(arm: number, value: number): void;
}

/** @example createArmStats(4).add(0, 1) */
export function createArmStats(armCount: number, forgetting: Forgetting = {}): ArmStats {
  const n = new Float64Array(armCount);
  const sum = new Float64Array(armCount);
  const sumSq = new Float64Array(armCount);
  const pulls = new Float64Array(armCount);
  const { discount, window } = forgetting;
  let total = 0;

  // A ring buffer of the last `window` outcomes, to subtract each one when it falls out.
  const ringArm = window ? new Int32Array(window) : undefined;
  const ringValue = window ? new Float64Array(window) : undefined;
  let ringSize = 0;
  let ringHead = 0;

  const remove = (arm: number, value: number): void => {
    n[arm] = n[arm]! - 1;
    sum[arm] = sum[arm]! - value;
    sumSq[arm] = sumSq[arm]! - value * value;
    total -= 1;
    if (n[arm]! <= 0) {
      // Clears floating-point residue so an arm with no evidence reads as exactly empty.
      n[arm] = 0;
      sum[arm] = 0;
      sumSq[arm] = 0;
    }
  };

  return {
    n,
    sum,
    sumSq,
    pulls,
    total: () => total,
    mean: (arm) => (n[arm]! > 0 ? sum[arm]! / n[arm]! : 0),
    add(arm, value) {
      if (discount !== undefined && discount < 1) {
        for (let i = 0; i < armCount; i++) {
          n[i] = n[i]! * discount;
          sum[i] = sum[i]! * discount;
          sumSq[i] = sumSq[i]! * discount;
        }
        total *= discount;
      }
      if (ringArm && ringValue) {
        if (ringSize === ringArm.length) {
          remove(ringArm[ringHead]!, ringValue[ringHead]!);
        } else {
          ringSize++;
        }
        ringArm[ringHead] = arm;
        ringValue[ringHead] = value;
        ringHead = (ringHead + 1) % ringArm.length;
      }
      n[arm] = n[arm]! + 1;
      sum[arm] = sum[arm]! + value;
      sumSq[arm] = sumSq[arm]! + value * value;
      pulls[arm] = pulls[arm]! + 1;
      total += 1;
    },
  };
}

/**
 * The variance pooled over arms (each arm's squared deviations from its own mean, over the summed
 * degrees of freedom), or undefined before any arm has two observations. Pooling suits arms that share
 * a noise level, and avoids trusting one arm's variance from two close draws.
 *
 * @example
 * pooledVariance(stats.n, stats.sum, stats.sumSq) ?? 1;
 */
export function pooledVariance(n: ArrayLike<number>, sum: ArrayLike<number>, sumSq: ArrayLike<number>): number | undefined {
  let ss = 0;
  let dof = 0;
  for (let i = 0; i < n.length; i++) {
    const c = n[i]!;
    if (c >= 2) {
      ss += sumSq[i]! - (sum[i]! * sum[i]!) / c;
      dof += c - 1;
    }
  }
  return dof > 0 && ss > 0 ? ss / dof : undefined;
}
