/**
 * The calls of a topic run as the store records them: one `topic` event per finished request (in the
 * order requests finished), and the policy's `policy` snapshots. Pure: events in, records out; what
 * the trends (trends.ts) and the judgement of weight changes (effectiveness.ts) are computed from.
 */

/** One request of a topic run, in finish order. */
export interface TopicCall {
  variant: string;
  /** The reply could be read as items (an error or an unreadable reply is not ok). */
  ok: boolean;
  /** Items the reply held. */
  returned: number;
  /** New unique items among them. */
  fresh: number;
  /** Dollars; null when the adapter did not report it (and for events written before it was recorded). */
  cost: number | null;
  /** null for events written before it was recorded. */
  latencyMs: number | null;
  /** When the event was recorded (ms since the epoch). */
  ts: number;
}

/** The policy's choice probabilities after `finished` requests (a `policy` event). */
export interface WeightSnapshot {
  finished: number;
  variants: string[];
  probabilities: number[];
}

/** The fields of a `topic` event read here (older events lack ok, cost and latencyMs). */
interface TopicEventData {
  variant: string | null;
  returned: number;
  new: unknown[];
  recovered?: boolean;
  ok?: boolean;
  cost?: number | null;
  latencyMs?: number | null;
}

/**
 * The requests and weight snapshots of a run's events (any order of `topic` and `policy` events, as
 * the store returns them; other types are skipped). Recovered items (written to output.txt before a
 * kill -9) are no request of their own and are left out.
 *
 * @example
 * callsFromEvents([{ type: 'topic', ts: 5, data: { variant: 'a', returned: 10, new: [{ n: 0, text: 'x' }], ok: true, cost: 0.001, latencyMs: 120 } }]);
 * // { calls: [{ variant: 'a', ok: true, returned: 10, fresh: 1, cost: 0.001, latencyMs: 120, ts: 5 }], snapshots: [] }
 */
export function callsFromEvents(events: Iterable<{ type: string; ts: number; data: unknown }>): { calls: TopicCall[]; snapshots: WeightSnapshot[] } {
  const calls: TopicCall[] = [];
  const snapshots: WeightSnapshot[] = [];
  for (const e of events) {
    if (e.type === 'topic') {
      const d = e.data as TopicEventData;
      if (d.recovered || d.variant === null) continue;
      calls.push({
        variant: d.variant, ok: d.ok ?? true, returned: d.returned, fresh: d.new.length,
        cost: typeof d.cost === 'number' ? d.cost : null, latencyMs: typeof d.latencyMs === 'number' ? d.latencyMs : null, ts: e.ts,
      });
    } else if (e.type === 'policy') {
      const d = e.data as Partial<WeightSnapshot>;
      if (Array.isArray(d.probabilities) && Array.isArray(d.variants) && typeof d.finished === 'number') {
        snapshots.push({ finished: d.finished, variants: d.variants, probabilities: d.probabilities });
      }
    }
  }
  return { calls, snapshots };
}
