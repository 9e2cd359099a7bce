import type { Random } from '../model/random.js';

/**
 * The eligible arm with the highest score; ties broken uniformly at random so no arm is favoured by
 * its index. The generator is touched only on an exact tie, which keeps seeded runs cheap.
 *
 * @example
 * argmax([0, 2], (arm) => means[arm]!, rng);
 */
export function argmax(eligible: readonly number[], score: (arm: number) => number, rng: Random): number {
  let best = eligible[0]!;
  let bestScore = -Infinity;
  let ties = 0;
  for (const arm of eligible) {
    const s = score(arm);
    if (s > bestScore) {
      best = arm;
      bestScore = s;
      ties = 1;
    } else if (s === bestScore) {
      ties++;
      if (rng.int(ties) === 0) best = arm;
    }
  }
  return best;
}

/**
 * An eligible arm drawn with probability proportional to `weights[arm]`; uniform when all are zero.
 *
 * @example
 * drawProportional([0, 1, 2], [0.2, 0.5, 0.3], rng);
 */
export function drawProportional(eligible: readonly number[], weights: ArrayLike<number>, rng: Random): number {
  let total = 0;
  for (const arm of eligible) total += Math.max(weights[arm] ?? 0, 0);
  if (!(total > 0)) return eligible[rng.int(eligible.length)]!;
  let u = rng.next() * total;
  for (const arm of eligible) {
    u -= Math.max(weights[arm] ?? 0, 0);
    if (u < 0) return arm;
  }
  return eligible[eligible.length - 1]!;
}

/**
 * The eligible arm with the fewest trials counting those in flight, or -1 when every arm has at least
 * `atLeast`. Counting in-flight trials is what spreads a burst of concurrent slots over the arms.
 *
 * @example
 * leastTried([0, 1], pulls, pending, 5, rng); // an arm still in burn-in, or -1
 */
export function leastTried(
  eligible: readonly number[],
  pulls: ArrayLike<number>,
  pending: ArrayLike<number>,
  atLeast: number,
  rng: Random,
): number {
  let best = -1;
  let fewest = atLeast;
  let ties = 0;
  for (const arm of eligible) {
    const c = (pulls[arm] ?? 0) + (pending[arm] ?? 0);
    if (c < fewest) {
      best = arm;
      fewest = c;
      ties = 1;
    } else if (c === fewest && best >= 0) {
      ties++;
      if (rng.int(ties) === 0) best = arm;
    }
  }
  return best;
}

/**
 * Frequencies of `draw()` over `draws` calls, as a length-`armCount` array summing to 1.
 *
 * @example
 * monteCarlo(3, 1000, () => policyCore.pick(input)); // [0.1, 0.7, 0.2]
 */
export function monteCarlo(armCount: number, draws: number, draw: () => number): number[] {
  const hits = new Array<number>(armCount).fill(0);
  for (let i = 0; i < draws; i++) {
    const arm = draw();
    hits[arm] = (hits[arm] ?? 0) + 1;
  }
  return hits.map((h) => h / draws);
}
