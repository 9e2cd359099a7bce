import type { Experiment } from '../config/experiment.js';

/**
 * Trials a run will have: the grid's size, or an adaptive or continuous run's trial budget (null when open).
 *
 * @example
 * plannedTrials(experiment); // 3 variants x 5,000 tasks x 1 repeat = 15000
 */
export function plannedTrials(experiment: Pick<Experiment, 'mode' | 'budget' | 'variants' | 'tasks' | 'repeats'>): number | null {
  if (experiment.mode !== 'grid') return experiment.budget.trials ?? null;
  return experiment.variants.length * experiment.tasks.length * experiment.repeats;
}
