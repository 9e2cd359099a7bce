/**
 * The anytime-valid lead check of the live summary (`leader`, the same as `metaorch report`'s): unlike
 * the variant table it needs the two variants' score sequences, not sums: the first LEADER_SCORES of
 * each in seq order (as the report's, see score-prefix.ts), read by one query each along the primary
 * key and cached per run.
 */
import { leaderCheck, runnerUpOf } from '../report/leader.js';
import { LEADER_SCORES } from '../report/score-prefix.js';
import type { RunQueries } from '../store/run-queries.js';
import type { RunAggregate } from './aggregate.js';
import type { BestVariant, LeaderCheck, VariantStats } from './api-types.js';

/** A running run's check is recomputed at most this often (and only when trials finished since). */
const MIN_INTERVAL_MS = 1000;
/** Up to this many scored trials (about 3 ms of work) the check is recomputed whenever trials finished. */
const CHEAP_SCORED = 5_000;
/** Runs whose last check is kept. */
const KEEP = 64;

interface Cached {
  finished: number;
  best: string;
  runnerUp: string;
  at: number;
  value: LeaderCheck | null;
}

export class LeaderChecks {
  private readonly cache = new Map<string, Cached>();
  constructor(private readonly queries: RunQueries, private readonly now: () => number = Date.now) {}

  /**
   * The lead of `best` over the runner-up by mean score. A finished run's answer is exact; a running
   * run's is recomputed only when trials finished since the last one and a second has passed, so a page
   * polling every 100 ms costs one computation a second at most. Up to CHEAP_SCORED scores the work is
   * a few milliseconds and the check follows every change, so a small run's line agrees with its table.
   *
   * @example
   * leaders.check(run.id, aggregate, variants, best, row.status === 'running');
   */
  check(runId: string, agg: RunAggregate, variants: readonly VariantStats[], best: BestVariant | null, running: boolean): LeaderCheck | null {
    const bestId = best?.id ?? null;
    const runnerUp = runnerUpOf(bestId, variants);
    if (!bestId || !runnerUp) return null;
    const scored = Math.min(agg.totals.get(bestId)?.ns ?? 0, LEADER_SCORES) + Math.min(agg.totals.get(runnerUp)?.ns ?? 0, LEADER_SCORES);
    const finished = agg.finished;
    const now = this.now();
    const hit = this.cache.get(runId);
    if (hit) {
      if (hit.finished === finished && hit.best === bestId && hit.runnerUp === runnerUp) return hit.value;
      if (running && scored > CHEAP_SCORED && now - hit.at < MIN_INTERVAL_MS) return hit.value;
    }
    const value = this.compute(runId, bestId, runnerUp);
    this.cache.delete(runId);
    this.cache.set(runId, { finished, best: bestId, runnerUp, at: now, value });
    if (this.cache.size > KEEP) this.cache.delete(this.cache.keys().next().value as string);
    return value;
  }

  private compute(runId: string, bestId: string, runnerUp: string): LeaderCheck | null {
    try {
      return leaderCheck(bestId, runnerUp, this.queries.scoreSequence(runId, bestId, LEADER_SCORES), this.queries.scoreSequence(runId, runnerUp, LEADER_SCORES));
    } catch {
      // A score outside [0, 1] (a custom scorer's bug) has no confidence sequence: no check, no failed page.
      return null;
    }
  }
}
