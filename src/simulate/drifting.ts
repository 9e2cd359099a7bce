import type { Random } from '../model/random.js';
import type { Environment } from './environments.js';

/** Steps until the next change when each step changes with probability p: Geometric(p), at least 1. */
function wait(p: number, rng: Random): number {
  if (p >= 1) return 1;
  return Math.max(1, Math.ceil(Math.log(1 - rng.next()) / Math.log(1 - p)));
}

/**
 * The same arms, but at every step each arm's mean is redrawn with probability `probability`:
 * uniformly in [0, 1] for bounded rewards, from N(0, 1) otherwise. Abrupt changes at random times
 * (piecewise-stationary rewards) are the case `discount` and `window` exist for. There is no regret
 * lower bound for this setting. Waiting times are drawn geometrically, so a step costs nothing
 * between changes.
 *
 * @example
 * const env = drifting(bernoulliArms([0.5, 0.4, 0.3]), { probability: 1e-4 });
 */
export function drifting(env: Environment, options: { probability: number }): Environment {
  const p = options.probability;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`drift probability ${p} is not in [0, 1]`);
  return {
    name: `${env.name}, drift ${p}`,
    armCount: env.armCount,
    means: env.means,
    bounded: env.bounded,
    create(rng) {
      const bandit = env.create(rng);
      const { means } = bandit;
      if (p === 0) return bandit;
      const driftRng = rng.fork('drift');
      const next = Array.from(means, () => wait(p, driftRng));
      let top = Math.max(...means);
      let now = 0;
      return {
        means,
        best: () => top,
        pull: (arm) => bandit.pull(arm),
        tick() {
          now++;
          let changed = false;
          for (let arm = 0; arm < means.length; arm++) {
            while (next[arm]! <= now) {
              means[arm] = env.bounded ? driftRng.next() : driftRng.normal();
              next[arm] = next[arm]! + wait(p, driftRng);
              changed = true;
            }
          }
          if (changed) top = Math.max(...means);
        },
      };
    },
  };
}
