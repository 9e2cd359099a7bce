/**
 * Choosing the runtime of a step among several (`with: [codex, claude]`): Thompson sampling over the
 * review scores the step's runtimes earned, in earlier runs of the workflow (read from the store) and
 * in this one. Pure: the policy is rebuilt from the history and draws from a generator seeded by the
 * run's seed, the step instance and the round, so a resumed workflow makes the same choices.
 */
import { createRandom, hashSeed } from '../model/random.js';
import { createPolicy } from '../policies/index.js';

export interface RewardRecord {
  runtime: string;
  /** The review score the generated artifact earned, in [0, 1]. */
  reward: number;
}

export interface RuntimeChoice {
  runtime: string;
  /** Per arm, the evidence the choice rested on. */
  arms: { runtime: string; trials: number; meanReward: number | null }[];
}

/**
 * @example
 * chooseRuntime(['codex', 'claude'], [{ runtime: 'codex', reward: 0.9 }], 42, 'draft', 1).runtime;
 */
export function chooseRuntime(arms: readonly string[], history: readonly RewardRecord[], seed: number, instance: string, round: number): RuntimeChoice {
  const stats = arms.map((runtime) => {
    const rewards = history.filter((h) => h.runtime === runtime).map((h) => h.reward);
    return { runtime, trials: rewards.length, meanReward: rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : null };
  });
  if (arms.length === 1) return { runtime: arms[0]!, arms: stats };
  const policy = createPolicy({ name: 'thompson' }, arms.length, createRandom(hashSeed(seed, 'workflow-bandit')));
  for (const h of history) {
    const arm = arms.indexOf(h.runtime);
    if (arm >= 0) policy.update(arm, Math.min(1, Math.max(0, h.reward)));
  }
  const rng = createRandom(hashSeed(seed, 'choose', instance, round));
  const arm = policy.choose({ eligible: arms.map((_, i) => i), pending: new Array<number>(arms.length).fill(0), rng });
  return { runtime: arms[arm]!, arms: stats };
}
