import { drawProportional } from './choice.js';
import type { ChooseInput, Policy } from './types.js';

/**
 * What the controller lets a policy choose from, as plain data (so a resumed run rebuilds it by
 * replaying the decisions, and a simulation uses the very same values):
 * - `eligible`: arms the policy may choose (quarantined ones are left out);
 * - `weights`: a multiplier in [0, 1] per arm on the policy's own choice (1 leaves it alone);
 * - `floors`: a minimum probability per arm (probes of a half-open arm, a starving arm's minimum
 *   share), drawn before the policy is asked; they may name arms outside `eligible`.
 *
 * @example
 * const steering: Steering = { eligible: [0, 2], weights: [1, 1, 0.5], floors: [0, 0.05, 0] };
 */
export interface Steering {
  eligible: readonly number[];
  weights: ArrayLike<number>;
  floors: ArrayLike<number>;
  /** Sum of `floors`, precomputed. */
  floorTotal: number;
}

/**
 * Chooses an arm under the controller's steering, leaving the policy itself untouched (its state
 * changes only in `update`, so replay on resume is unaffected):
 * 1. with probability `floorTotal`, an arm drawn in proportion to the floors;
 * 2. otherwise the policy's choice among the eligible arms, accepted with probability equal to its
 *    weight; a refused arm is dropped and the policy asked again, and the last arm left is taken.
 * An arm's chance is thus at least its floor and at most the policy's chance of choosing it times its
 * weight plus what other refusals pass on; weight 1 everywhere and no floors is the policy alone
 * (one extra draw from the generator per choice).
 *
 * @example
 * const arm = steer(policy, steering, { eligible: steering.eligible, pending, rng });
 */
export function steer(policy: Policy, steering: Steering, input: ChooseInput): number {
  const { rng } = input;
  if (steering.floorTotal > 0 && rng.next() < steering.floorTotal) {
    return drawProportional(allArms(steering.floors.length), steering.floors, rng);
  }
  let candidates = steering.eligible;
  for (;;) {
    const arm = policy.choose({ eligible: candidates, pending: input.pending, rng });
    const w = steering.weights[arm] ?? 1;
    if (w >= 1 || candidates.length === 1 || rng.next() < w) return arm;
    candidates = candidates.filter((a) => a !== arm);
  }
}

const ALL = new Map<number, number[]>();
function allArms(k: number): number[] {
  let arms = ALL.get(k);
  if (!arms) ALL.set(k, (arms = Array.from({ length: k }, (_, i) => i)));
  return arms;
}

/**
 * Steering that changes nothing: every arm eligible, weight 1, no floor.
 *
 * @example
 * const free = freeSteering(3);
 */
export function freeSteering(armCount: number): Steering {
  return { eligible: allArms(armCount), weights: new Float64Array(armCount).fill(1), floors: new Float64Array(armCount), floorTotal: 0 };
}
