import type { Budget } from '../config/schema.js';
import type { TrialOutcome } from '../model/trial.js';
import type { RunObserver, StopReason } from './types.js';

/**
 * Tracks trials dispatched, dollars spent and active time against the budget, including what a run
 * had already done before a resume.
 *
 * @example
 * const guard = budgetGuard({ trials: 100 }, { trials: 0, cost: 0, activeMs: 0 });
 */
export function budgetGuard(budget: Budget, already: { trials: number; cost: number; activeMs: number }) {
  let dispatched = already.trials;
  let cost = already.cost;
  const startedAt = Date.now();
  const observer: RunObserver = {
    onTrialStart: () => {
      dispatched++;
    },
    onTrialEnd: (_spec, outcome: TrialOutcome) => {
      cost += outcome.cost ?? 0;
    },
  };
  const shouldStop = (): StopReason | null => {
    if (budget.trials !== undefined && dispatched >= budget.trials) return 'budget:trials';
    if (budget.cost !== undefined && cost >= budget.cost) return 'budget:cost';
    if (budget.time !== undefined && already.activeMs + (Date.now() - startedAt) >= budget.time) return 'budget:time';
    return null;
  };
  return { observer, shouldStop, activeMs: () => already.activeMs + (Date.now() - startedAt) };
}
