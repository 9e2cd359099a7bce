import type { Experiment } from '../config/experiment.js';
import { trialPrompt } from '../engine/run-trial.js';
import type { Attempt, TrialError, TrialOutcome, TrialSpec } from '../model/trial.js';

/**
 * The outcome of a trial an executor could not run to its end (its process died every time, its
 * module file is missing on a worker): status error, one attempt per try, nothing scored or spent.
 *
 * @example
 * erroredOutcome(spec, experiment, { kind: 'process', message: 'the producer died', retryable: false });
 */
export function erroredOutcome(spec: TrialSpec, experiment: Experiment, error: TrialError, attempts?: Attempt[], startedAt = Date.now()): TrialOutcome {
  const variant = experiment.variants.find((v) => v.id === spec.variantId);
  const tries = attempts ?? [{ n: 1, latencyMs: 0, error }];
  return {
    seq: spec.seq, status: 'error', prompt: trialPrompt(variant?.prompt ?? experiment.prompt, spec.task.input), output: null, scores: [],
    score: null, passed: null, attempts: tries, latencyMs: tries[tries.length - 1]?.latencyMs ?? 0, tokens: { input: 0, output: 0 }, cost: 0,
    error, startedAt, finishedAt: Date.now(),
  };
}

/**
 * Retries a variant's trials get (its own `retries`, else the experiment's).
 *
 * @example
 * retriesOf(experiment, 'gpt-4o-mini'); // 2
 */
export function retriesOf(experiment: Experiment, variantId: string): number {
  return experiment.variants.find((v) => v.id === variantId)?.retries ?? experiment.retries;
}
