/**
 * `GET /api/compare?base=A&cand=B&metrics=score,latency`: the same comparison `metaorch compare` makes
 * (compareRuns: per-variant tests, Holm correction, verdicts), plus the tasks whose score changed.
 */
import { compareRuns } from '../compare/compare-runs.js';
import { parseMetrics } from '../compare/metrics.js';
import { MetaorchError } from '../model/errors.js';
import { storeRunData } from '../report/run-data.js';
import type { RunQueries } from '../store/run-queries.js';
import type { CompareResponse, TaskChange } from './api-types.js';
import type { LiveRuns } from './live.js';

/** The dashboard compares runs up to this size in process; larger ones: `metaorch compare`. */
const MAX_COMPARE_TRIALS = 300_000;

export async function compareResponse(
  ctx: { queries: RunQueries; live: LiveRuns },
  baseId: string,
  candId: string,
  metricsParam?: string,
): Promise<CompareResponse> {
  const baseRun = ctx.queries.getRun(baseId);
  const candRun = ctx.queries.getRun(candId);
  if (!baseRun || !candRun) throw new MetaorchError('RUN_NOT_FOUND', `No run '${!baseRun ? baseId : candId}' in the store.`);
  const [base, cand] = [await ctx.live.row(baseRun), await ctx.live.row(candRun)];
  const tasks = taskChanges(ctx.queries, baseId, candId);
  if (base.finished > MAX_COMPARE_TRIALS || cand.finished > MAX_COMPARE_TRIALS) {
    return { base, cand, comparison: null, tasks, error: `These runs are too large to compare in the dashboard; run: metaorch compare ${baseId} ${candId}` };
  }
  try {
    const metrics = parseMetrics([metricsParam || 'score']);
    const comparison = compareRuns(storeRunData(ctx.queries, baseId), storeRunData(ctx.queries, candId), { metrics });
    return { base, cand, comparison, tasks, error: null };
  } catch (error) {
    if (error instanceof MetaorchError) return { base, cand, comparison: null, tasks, error: error.message };
    throw error;
  }
}

/** Per (variant, task) mean score in both runs: the tasks whose score moved, largest change first. */
export function taskChanges(queries: RunQueries, baseId: string, candId: string): CompareResponse['tasks'] {
  const perTask = (runId: string) => new Map(queries.taskScores(runId).map((r) => [`${r.variantId}\u0000${r.taskId}`, { v: r.variantId, task: r.taskId, score: r.score }]));
  const b = perTask(baseId);
  const c = perTask(candId);
  const changed: TaskChange[] = [];
  let improved = 0;
  let regressed = 0;
  let unchanged = 0;
  for (const [key, rb] of b) {
    const rc = c.get(key);
    if (!rc) continue;
    const diff = rc.score - rb.score;
    if (Math.abs(diff) < 1e-9) unchanged++;
    else {
      if (diff > 0) improved++;
      else regressed++;
      changed.push({ taskId: rb.task, variant: rb.v, base: rb.score, cand: rc.score, diff });
    }
  }
  const tasksOf = (m: Map<string, { task: string }>) => new Set([...m.values()].map((r) => r.task));
  const tb = tasksOf(b);
  const tc = tasksOf(c);
  changed.sort((x, y) => Math.abs(y.diff) - Math.abs(x.diff) || x.taskId.localeCompare(y.taskId));
  return {
    changed: changed.slice(0, 100), improved, regressed, unchanged,
    onlyBase: [...tb].filter((t) => !tc.has(t)).length, onlyCand: [...tc].filter((t) => !tb.has(t)).length,
  };
}
