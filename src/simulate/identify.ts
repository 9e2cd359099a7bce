import { createRandom } from '../model/random.js';
import { glrStop } from '../policies/glr.js';
import { createPolicy, type PolicyConfig } from '../policies/registry.js';

/** One best-arm identification run on Bernoulli arms. */
export interface IdentifyInput {
  /** True success probability of each arm. */
  means: readonly number[];
  /** A policy name or config, e.g. `'top-two'` or `{ name: 'uniform' }`. */
  policy: string | PolicyConfig;
  /** Accepted probability of naming the wrong arm. */
  delta: number;
  seed: number;
  /** Give up after this many trials (the answer is then the empirical best, `stopped: false`). */
  maxTrials: number;
}

export interface IdentifyResult {
  /** The arm named best. */
  best: number;
  trials: number;
  /** False when `maxTrials` ran out before the stopping rule fired. */
  stopped: boolean;
  /** Whether `best` is truly a best arm. */
  correct: boolean;
  statistic: number;
  threshold: number;
}

/**
 * Runs a policy on Bernoulli arms until the GLR stopping rule (`glrStop`, threshold
 * ln((1 + ln t) / delta)) names the best arm. The rule is applied to the trials as they happened, the
 * same for every policy, so policies compare on allocation alone. Each arm has its own reward stream
 * (forked by arm), so two policies with the same seed see the same outcomes for the same pulls.
 *
 * @example
 * const r = identifyBest({ means: [0.7, 0.65, 0.5], policy: 'top-two', delta: 0.05, seed: 1, maxTrials: 1e6 });
 * r.best; r.trials; r.correct;
 */
export function identifyBest(input: IdentifyInput): IdentifyResult {
  const { means, delta, seed, maxTrials } = input;
  const k = means.length;
  const root = createRandom(seed);
  const config = typeof input.policy === 'string' ? { name: input.policy } : input.policy;
  const policy = createPolicy(config, k, root.fork('policy'));
  const choiceRng = root.fork('choose');
  const streams = means.map((_, arm) => root.fork(`arm:${arm}`));
  const top = Math.max(...means);
  const eligible = means.map((_, i) => i);
  const pending = new Float64Array(k);
  const n = new Float64Array(k);
  const sum = new Float64Array(k);

  let decision = glrStop(n, sum, sum, delta);
  let trials = 0;
  while (trials < maxTrials) {
    const arm = policy.choose({ eligible, pending, rng: choiceRng });
    const reward = streams[arm]!.next() < means[arm]! ? 1 : 0;
    policy.update(arm, reward);
    n[arm] = n[arm]! + 1;
    sum[arm] = sum[arm]! + reward;
    trials++;
    decision = glrStop(n, sum, sum, delta);
    if (decision.stop) break;
  }
  return {
    best: decision.best,
    trials,
    stopped: decision.stop,
    correct: means[decision.best] === top,
    statistic: decision.statistic,
    threshold: decision.threshold,
  };
}
