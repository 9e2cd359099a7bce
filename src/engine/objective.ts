import type { Objective } from '../config/schema.js';
import type { TrialOutcome } from '../model/trial.js';

export const DEFAULT_OBJECTIVE: Objective = { score: 1, error: 0 };

/**
 * The reward a policy maximises, in [0, 1]: a weighted average of the score (1 for a success when
 * nothing is scored), cheapness `1 - min(1, cost/per)` and speed `1 - min(1, latencyMs/per)`. An
 * errored trial gets `objective.error` (0 by default).
 *
 * @example
 * reward({ score: 1, cost: { weight: 0.3, per: 0.01 } }, outcome); // 0.885 for score 0.9 at $0.002
 */
export function reward(objective: Objective, outcome: Pick<TrialOutcome, 'status' | 'score' | 'cost' | 'latencyMs'>): number {
  if (outcome.status === 'error') return objective.error;
  const score = outcome.score ?? 1;
  let total = objective.score * score;
  let weights = objective.score;
  if (objective.cost) {
    // An unknown cost (a CLI that reports none) counts as free: configure `cost:` to price its tokens.
    total += objective.cost.weight * (1 - Math.min(1, (outcome.cost ?? 0) / objective.cost.per));
    weights += objective.cost.weight;
  }
  if (objective.latency) {
    total += objective.latency.weight * (1 - Math.min(1, outcome.latencyMs / objective.latency.per));
    weights += objective.latency.weight;
  }
  return weights > 0 ? Math.min(1, Math.max(0, total / weights)) : 0;
}
