import { createRandom } from '../model/random.js';
import { createPolicy, type PolicyConfig } from '../policies/registry.js';
import { logCheckpoints } from './checkpoints.js';
import type { Environment } from './environments.js';

/** A policy to simulate and the label it is reported under. */
export interface PolicyEntry {
  label: string;
  config: PolicyConfig;
}

/** Settings shared by every repetition. */
export interface RunSettings {
  horizon: number;
  /** Feedback arrives in batches of this many outcomes (1: immediately). */
  batch?: number;
  /** Times at which cumulative regret is recorded; `logCheckpoints(horizon)` by default. */
  checkpoints?: readonly number[];
}

/**
 * One repetition: cumulative pseudo-regret (sum over steps of best mean - chosen arm's mean) at each
 * checkpoint. With `batch` > 1 outcomes are held back and delivered together after every `batch`
 * choices, and `pending` tells the policy how many of each arm are still in flight, as the engine does
 * with concurrent trials.
 *
 * @example
 * runRepetition(bernoulliArms([0.5, 0.4]), { name: 'thompson' }, { horizon: 1000 }, 7, 0); // Float64Array
 */
export function runRepetition(env: Environment, config: PolicyConfig, settings: RunSettings, seed: number, rep: number): Float64Array {
  const { horizon } = settings;
  const batch = settings.batch ?? 1;
  const checkpoints = settings.checkpoints ?? logCheckpoints(horizon);
  checkpoints.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 1 || t > horizon || (i > 0 && t <= checkpoints[i - 1]!)) {
      throw new RangeError(`checkpoints must be increasing whole numbers in 1..${horizon}; got ${checkpoints.join(', ')}`);
    }
  });
  const root = createRandom(seed);
  // The environment's stream depends on the repetition only, so every policy meets the same arms.
  const bandit = env.create(root.fork(`env:${rep}`));
  const policyRng = root.fork(`policy:${config.name}:${rep}`);
  const policy = createPolicy(config, env.armCount, policyRng.fork('state'));
  const rng = policyRng.fork('choose');
  const eligible = Array.from({ length: env.armCount }, (_, i) => i);
  const pending = new Float64Array(env.armCount);
  const heldArm = new Int32Array(batch);
  const heldReward = new Float64Array(batch);
  const out = new Float64Array(checkpoints.length);
  let held = 0;
  let regret = 0;
  let next = 0;
  for (let t = 1; t <= horizon && next < checkpoints.length; t++) {
    const arm = policy.choose({ eligible, pending, rng });
    regret += bandit.best() - bandit.means[arm]!;
    const reward = bandit.pull(arm);
    if (batch === 1) {
      policy.update(arm, reward);
    } else {
      pending[arm] = pending[arm]! + 1;
      heldArm[held] = arm;
      heldReward[held] = reward;
      if (++held === batch) {
        for (let i = 0; i < batch; i++) {
          const a = heldArm[i]!;
          pending[a] = pending[a]! - 1;
          policy.update(a, heldReward[i]!);
        }
        held = 0;
      }
    }
    bandit.tick();
    while (next < checkpoints.length && checkpoints[next] === t) out[next++] = regret;
  }
  return out;
}
