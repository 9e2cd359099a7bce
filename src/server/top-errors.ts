/**
 * The live page's most frequent error messages: one GROUP BY over a run's errored trials (counted in
 * SQLite through RunQueries, so a run of a million errors sends a few rows), kept per run until more
 * trials finish.
 */
import { ErrorTally, type TopError } from '../report/top-errors.js';
import type { RunQueries } from '../store/run-queries.js';

/** Distinct (variant, kind, message) groups read at most. */
const MAX_GROUPS = 5000;
/** Runs whose last answer is kept. */
const KEEP = 64;

export class TopErrors {
  private readonly cache = new Map<string, { errors: number; value: { top: TopError[]; others: number } }>();

  constructor(private readonly queries: RunQueries) {}

  /**
   * The top 5 messages of a run with `errors` errored trials so far (the cache key: nothing changes
   * until another trial errors).
   *
   * @example
   * topErrors.of(run.id, totals.errors); // { top: [{ message: 'openai: HTTP 404 ...', count: 300, hint: 'does baseURL end in /v1? ...' }], others: 0 }
   */
  of(runId: string, errors: number): { top: TopError[]; others: number } {
    if (errors === 0) return { top: [], others: 0 };
    const hit = this.cache.get(runId);
    if (hit && hit.errors === errors) return hit.value;
    const tally = new ErrorTally();
    for (const g of this.queries.errorGroups(runId, MAX_GROUPS)) tally.add(g.variantId, g.kind, g.message, g.count);
    const value = { top: tally.top(5), others: tally.others(5) };
    this.cache.delete(runId);
    this.cache.set(runId, { errors, value });
    if (this.cache.size > KEEP) this.cache.delete(this.cache.keys().next().value as string);
    return value;
  }
}
