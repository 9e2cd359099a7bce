import type { Experiment } from '../config/experiment.js';
import type { Executor } from '../engine/types.js';
import type { TrialOutcome } from '../model/trial.js';
import type { RunQueries } from '../store/run-queries.js';
import { Deduper } from './dedup.js';
import { parseItems } from './parse.js';

/**
 * The `unique-items` scorer decided by the run's one writer. Where trials are scored (a producer, a
 * BullMQ worker, the inline runtime) each process knows only the items it has scored; the master
 * sees every outcome, so it scores each trial's items again against everything the run has found and
 * replaces the scorer's entry, the combined score and `passed` before the engine records the trial and
 * the policy learns from it. On resume the run's items are read back from its stored outputs first.
 *
 * @example
 * const unique = runUniqueItems(experiment, resumed ? store.queries() : null, runId);
 * if (unique) executor = unique.wrap(executor);
 */
export function runUniqueItems(experiment: Pick<Experiment, 'scorers' | 'threshold'>, queries: RunQueries | null, runId: string): { wrap(executor: Executor): Executor } | null {
  // One deduplicator per unique-items entry (each may set `near`), at its position among the scorers.
  const entries = experiment.scorers
    .map((s, position) => ({ position, dedup: new Deduper(s.options['near'] === false ? { near: null } : {}), type: s.type }))
    .filter((e) => e.type === 'unique-items');
  if (entries.length === 0) return null;
  if (queries) {
    for (const t of queries.trials(runId)) {
      if (t.status !== 'ok' || t.output === null) continue;
      const parsed = parseItems(t.output);
      if (parsed.ok) for (const e of entries) for (const item of parsed.items) e.dedup.offerSync(item);
    }
  }
  const rescore = (outcome: TrialOutcome): TrialOutcome => {
    // Per-task scorers come after the experiment's: positions of the experiment's entries still hold.
    if (outcome.status !== 'ok' || outcome.output === null || outcome.scores.length < experiment.scorers.length) return outcome;
    const parsed = parseItems(outcome.output);
    const scores = [...outcome.scores];
    for (const e of entries) {
      const old = scores[e.position];
      if (!old || old.scorer !== 'unique-items') return outcome;
      let fresh = 0;
      if (parsed.ok) for (const item of parsed.items) if (e.dedup.offerSync(item).isNew) fresh++;
      scores[e.position] = parsed.ok
        ? { ...old, score: fresh / parsed.items.length, reason: `${fresh} new of ${parsed.items.length} items in the run` }
        : { ...old, score: 0, reason: `no items: ${parsed.reason}` };
    }
    let total = 0;
    let weights = 0;
    for (const s of scores) {
      total += s.weight * s.score;
      weights += s.weight;
    }
    const score = weights > 0 ? total / weights : 0;
    return { ...outcome, scores, score, passed: score >= experiment.threshold };
  };
  return {
    wrap(executor) {
      return {
        name: executor.name,
        run(spec, cancel) {
          const result = executor.run(spec, cancel);
          return result instanceof Promise ? result.then(rescore) : rescore(result);
        },
        close: () => executor.close(),
      };
    },
  };
}
