/**
 * The anytime-valid lead check of the live summary (`leader`, the same as `metaorch report`'s): unlike
 * the variant table it needs the two variants' score sequences, not sums, so it reads them with one
 * indexed query each and caches the result per run.
 *
 * The query names its index: trials_by_variant is (run_id, variant_id, status) and, the table being
 * WITHOUT ROWID, its entries end with the primary key's seq, so it yields one variant's trials already
 * in seq order. Left to itself SQLite scans the whole run by primary key instead (to avoid the sort),
 * which reads every variant's rows: slower as soon as a run has more than a few variants.
 */
import type { Database, Statement } from 'better-sqlite3';
import { leaderCheck, runnerUpOf } from '../report/leader.js';
import type { RunAggregate } from './aggregate.js';
import type { BestVariant, LeaderCheck, VariantStats } from './api-types.js';

/** Above this many scored trials in the two variants together the check is skipped (null). */
export const LEADER_MAX_SCORED = 200_000;
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
  private readonly scores: Statement<[string, string], number>;

  constructor(db: Database, private readonly now: () => number = Date.now) {
    this.scores = db
      .prepare<[string, string], number>("SELECT score FROM trials INDEXED BY trials_by_variant WHERE run_id = ? AND variant_id = ? AND status = 'ok' AND score IS NOT NULL ORDER BY seq")
      .pluck();
  }

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
    const scored = (agg.totals.get(bestId)?.ns ?? 0) + (agg.totals.get(runnerUp)?.ns ?? 0);
    if (scored > LEADER_MAX_SCORED) return null;
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
      return leaderCheck(bestId, runnerUp, this.scores.all(runId, bestId), this.scores.all(runId, runnerUp));
    } catch {
      // A score outside [0, 1] (a custom scorer's bug) has no confidence sequence: no check, no failed page.
      return null;
    }
  }
}
