import { createRedactor, secretValues } from '../config/env.js';
import type { Experiment } from '../config/experiment.js';
import { TrialCancelled } from '../engine/classify.js';
import { createLimiter, type Limiter } from '../engine/limits.js';

export interface RunGates {
  /** True when the variant has a limit (acquire may wait). */
  limited(variantId: string): boolean;
  /** Waits for a slot of the variant (its maxConcurrency and rateLimit); rejects with TrialCancelled. */
  acquire(variantId: string, cancel: AbortSignal): Promise<() => void>;
  /** Strips the values of the run's `${ENV}` references from text. */
  redact(text: string): string;
}

const NOOP = () => {};

/**
 * Per-variant limits applied where trials are handed out, for executors whose trials run elsewhere
 * (pool, bullmq): `maxConcurrency` and `rateLimit` then hold across every producer or worker, counted
 * per trial (retries inside a trial are not limited again).
 *
 * @example
 * const gates = runGates(experiment);
 * const release = await gates.acquire('gpt-4o-mini', cancel); try { ... } finally { release(); }
 */
export function runGates(experiment: Experiment, env: NodeJS.ProcessEnv = process.env): RunGates {
  const limiters = new Map<string, Limiter>();
  for (const v of experiment.variants) {
    if (v.maxConcurrency === undefined && v.rateLimit === undefined) continue;
    limiters.set(v.id, createLimiter({ ...(v.maxConcurrency ? { maxConcurrency: v.maxConcurrency } : {}), ...(v.rateLimit ? { ratePerMinute: v.rateLimit } : {}) }));
  }
  return {
    limited: (variantId) => limiters.has(variantId),
    async acquire(variantId, cancel) {
      const limiter = limiters.get(variantId);
      if (!limiter) return NOOP;
      try {
        return await limiter.acquire(cancel);
      } catch {
        throw new TrialCancelled();
      }
    },
    redact: createRedactor(secretValues([experiment.variants, experiment.scorers, experiment.executor], env)),
  };
}
