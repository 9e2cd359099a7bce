/**
 * A topic run's statistics from its calls and weight snapshots: per variant the totals (stats.ts),
 * the trend of each figure with its confidence band (trends.ts), and for the whole run the discovery
 * curve and the effectiveness of weight changes (effectiveness.ts). What `GET /api/runs/:id/topic`,
 * `metaorch report` and metadata.json show. Pure.
 */
import type { TopicCall, WeightSnapshot } from './calls.js';
import { weightEffectiveness, type Effectiveness, type EffectivenessOptions } from './effectiveness.js';
import { emptyStats, recordCall, summarise } from './stats.js';
import { trendWindow, variantTrends, type TrendOptions, type TrendPoint } from './trends.js';

/** Discovery curve points kept at most (evenly thinned, the last point always kept). */
const CURVE_POINTS = 500;

export interface TopicStatistics {
  calls: number;
  /** Found by requests (items recovered after a kill -9 are in output.txt, not here). */
  uniqueItems: number;
  /** Requests per trend window (widened from the one asked for to keep at most maxPoints per variant). */
  window: number;
  variants: { id: string; totals: ReturnType<typeof summarise>; trend: TrendPoint[] }[];
  /** Unique items after each request (thinned to at most 500 points). */
  discovery: { request: number; unique: number }[];
  effectiveness: Effectiveness;
}

/**
 * Everything the run's calls say, per variant and for the run.
 *
 * @example
 * const { calls, snapshots } = callsFromEvents(events);
 * topicStatistics(calls, snapshots, { window: 20 }).effectiveness.share; // 0.6
 */
export function topicStatistics(
  calls: readonly TopicCall[],
  snapshots: readonly WeightSnapshot[],
  options: TrendOptions & { effectiveness?: EffectivenessOptions; variants?: readonly string[] } = {},
): TopicStatistics {
  const totals = new Map((options.variants ?? []).map((v) => [v, emptyStats()]));
  const curve: { request: number; unique: number }[] = [];
  let unique = 0;
  calls.forEach((c, i) => {
    let s = totals.get(c.variant);
    if (!s) totals.set(c.variant, (s = emptyStats()));
    recordCall(s, { ok: c.ok, returned: c.returned, fresh: c.fresh, cost: c.cost ?? 0, latencyMs: c.latencyMs ?? 0 });
    unique += c.fresh;
    curve.push({ request: i + 1, unique });
  });
  const window = trendWindow(calls, options);
  const trends = variantTrends(calls, { ...options, window, maxPoints: 0 });
  return {
    calls: calls.length,
    uniqueItems: unique,
    window,
    variants: [...totals].map(([id, s]) => ({ id, totals: summarise(s), trend: trends.get(id) ?? [] })),
    discovery: thin(curve, CURVE_POINTS),
    effectiveness: weightEffectiveness(calls, snapshots, { window: options.window ?? 20, ...options.effectiveness }),
  };
}

function thin<T>(points: T[], most: number): T[] {
  if (points.length <= most) return points;
  const step = points.length / most;
  const out: T[] = [];
  for (let i = 0; i < most - 1; i++) out.push(points[Math.floor(i * step)]!);
  out.push(points[points.length - 1]!);
  return out;
}
