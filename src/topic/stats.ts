/**
 * Running statistics of one variant in a topic run: calls, items returned, new unique items, cost and
 * latency, with the derived uniqueness ratio and unique items per call, per dollar and per second.
 * Pure accumulation.
 */
export interface VariantStats {
  calls: number;
  ok: number;
  returned: number;
  fresh: number;
  cost: number;
  latencyMs: number;
}

export function emptyStats(): VariantStats {
  return { calls: 0, ok: 0, returned: 0, fresh: 0, cost: 0, latencyMs: 0 };
}

/** Adds one call to the stats (in place). */
export function recordCall(s: VariantStats, call: { ok: boolean; returned: number; fresh: number; cost: number; latencyMs: number }): void {
  s.calls++;
  if (call.ok) s.ok++;
  s.returned += call.returned;
  s.fresh += call.fresh;
  s.cost += call.cost;
  s.latencyMs += call.latencyMs;
}

/**
 * The derived figures of a variant's stats.
 *
 * @example
 * summarise({ calls: 2, ok: 2, returned: 20, fresh: 15, cost: 0.01, latencyMs: 400 });
 * // { ..., uniquenessRatio: 0.75, uniquePerCall: 7.5, uniquePerDollar: 1500, uniquePerSecond: 37.5 }
 */
export function summarise(s: VariantStats) {
  return {
    ...s,
    successRate: s.calls > 0 ? s.ok / s.calls : null,
    uniquenessRatio: s.returned > 0 ? s.fresh / s.returned : null,
    uniquePerCall: s.calls > 0 ? s.fresh / s.calls : null,
    uniquePerDollar: s.cost > 0 ? s.fresh / s.cost : null,
    uniquePerSecond: s.latencyMs > 0 ? s.fresh / (s.latencyMs / 1000) : null,
    meanLatencyMs: s.calls > 0 ? s.latencyMs / s.calls : null,
  };
}
