/**
 * The server's statistics of runs: one RunAggregate per run that someone looked at, built once (in the
 * background, chunk by chunk) and then kept current from the event sequence. Finished runs beyond the
 * most recent few are evicted; their totals (for the Runs page) stay.
 */
import { RunNotFoundError } from '../model/errors.js';
import type { RunQueries } from '../store/run-queries.js';
import { trialEventSeqs } from '../store/trial-events.js';
import type { RunAggregate } from './aggregate.js';
import { buildAggregate, CHUNK, TrialReader } from './aggregate-source.js';
import { CACHE_FROM_TRIALS, loadCached, saveCached } from './aggregate-cache.js';
import { displayStatus } from './queries.js';
import type { EventItem, PolicyState, VariantStats } from './api-types.js';
import { pickBest, variantStats } from './summary.js';

const KEEP_IDLE = 12;

interface Entry {
  aggregate: RunAggregate | null;
  building: Promise<RunAggregate> | null;
  /** Events that arrived while building. */
  pending: EventItem[];
  chunkSeen: Map<number, number> | null;
  skipUpTo: number;
  startSeq: number;
  policy: PolicyState | null;
  adapters: Map<string, string>;
  lastUsed: number;
}

/** Totals of a run for the Runs page, remembered after its aggregate is evicted. */
export interface RunTotals {
  seq: number;
  finished: number;
  errors: number;
  cost: number;
  best: { id: string; meanScore: number | null } | null;
}

export class Aggregates {
  private readonly entries = new Map<string, Entry>();
  private readonly totalsCache = new Map<string, RunTotals>();
  private readonly reader: TrialReader;

  /** `cacheDir`: where large finished runs' statistics are kept between server starts (none: no cache). */
  constructor(private readonly queries: RunQueries, private readonly cacheDir: string | null = null) {
    this.reader = new TrialReader(queries);
  }

  /** The aggregate when it is ready, else undefined (and a build starts). */
  peek(runId: string): RunAggregate | undefined {
    const entry = this.entries.get(runId);
    if (!entry) void this.ensure(runId).catch(() => undefined);
    return entry?.aggregate ?? undefined;
  }

  /** The aggregate of a run, built on first use. */
  ensure(runId: string): Promise<RunAggregate> {
    let entry = this.entries.get(runId);
    if (entry?.aggregate) {
      entry.lastUsed = Date.now();
      return Promise.resolve(entry.aggregate);
    }
    if (entry?.building) return entry.building;
    const run = this.queries.getRun(runId);
    if (!run) return Promise.reject(new RunNotFoundError(runId, []));
    const variants = this.queries.variants(runId);
    entry = {
      aggregate: null, building: null, pending: [], chunkSeen: null, skipUpTo: 0, startSeq: 0, policy: this.latestPolicy(runId),
      adapters: new Map(variants.map((v) => [v.id, v.adapter])), lastUsed: Date.now(),
    };
    this.entries.set(runId, entry);
    const e = entry;
    const key = `${run.createdAt}:${this.queries.lastEventSeq(runId)}`;
    const stable = displayStatus(run) !== 'running';
    const cached = stable && this.cacheDir ? loadCached(this.cacheDir, runId, key) : null;
    if (cached) {
      e.aggregate = cached;
      e.startSeq = cached.seq;
      return Promise.resolve(cached);
    }
    e.building = buildAggregate(this.queries, runId, variants.map((v) => v.id)).then(
      (built) => {
        if (stable && this.cacheDir && built.aggregate.finished >= CACHE_FROM_TRIALS) saveCached(this.cacheDir, runId, key, built.aggregate);
        e.aggregate = built.aggregate;
        e.chunkSeen = built.chunkSeen;
        e.startSeq = built.startSeq;
        e.skipUpTo = Math.max(built.startSeq, ...built.chunkSeen.values());
        e.building = null;
        const pending = e.pending;
        e.pending = [];
        this.apply(runId, e, pending);
        this.evict();
        return built.aggregate;
      },
      (error: unknown) => {
        this.entries.delete(runId);
        throw error;
      },
    );
    return e.building;
  }

  /** Applies new events of a run (from the event hub) to its aggregate, if one is kept. */
  onEvents(runId: string, events: readonly EventItem[]): void {
    const entry = this.entries.get(runId);
    if (!entry) {
      this.totalsCache.delete(runId);
      return;
    }
    if (!entry.aggregate) entry.pending.push(...events);
    else this.apply(runId, entry, events);
  }

  policy(runId: string): PolicyState | null {
    return this.entries.get(runId)?.policy ?? null;
  }

  adapters(runId: string): Map<string, string> {
    return this.entries.get(runId)?.adapters ?? new Map();
  }

  /** Variant statistics and best, from a ready aggregate. */
  stats(runId: string, aggregate: RunAggregate): { variants: VariantStats[]; best: ReturnType<typeof pickBest> } {
    const variants = variantStats(aggregate, this.adapters(runId), this.policy(runId));
    return { variants, best: pickBest(variants) };
  }

  /** Totals for the Runs page: from the aggregate, else remembered ones when still current. */
  totals(runId: string, lastRunEventSeq: number): RunTotals | null {
    const agg = this.entries.get(runId)?.aggregate;
    if (agg) {
      const { variants, best } = this.stats(runId, agg);
      const totals: RunTotals = {
        seq: agg.seq, finished: agg.finished, errors: variants.reduce((s, v) => s + v.errors, 0),
        cost: variants.reduce((s, v) => s + (v.costTotal ?? 0), 0), best: best ? { id: best.id, meanScore: best.meanScore } : null,
      };
      this.totalsCache.set(runId, totals);
      return totals;
    }
    const cached = this.totalsCache.get(runId);
    return cached && cached.seq >= lastRunEventSeq ? cached : null;
  }

  private apply(runId: string, entry: Entry, events: readonly EventItem[]): void {
    const aggregate = entry.aggregate as RunAggregate;
    let last = aggregate.seq;
    for (const event of events) {
      if (event.seq <= entry.startSeq) continue;
      last = Math.max(last, event.seq);
      if (event.type === 'policy') entry.policy = policyState(event);
      if (event.type !== 'trials') continue;
      let seqs = trialEventSeqs(event.data);
      if (entry.chunkSeen && event.seq <= entry.skipUpTo) {
        const seen = entry.chunkSeen;
        seqs = seqs.filter((seq) => event.seq > (seen.get(Math.floor(seq / CHUNK)) ?? entry.startSeq));
      }
      for (const group of this.reader.groups(runId, seqs)) aggregate.add(group);
    }
    if (entry.chunkSeen && last > entry.skipUpTo) entry.chunkSeen = null;
    aggregate.caughtUp(last);
  }

  private latestPolicy(runId: string): PolicyState | null {
    const event = this.queries.latestEvent(runId, 'policy');
    return event ? policyState(event) : null;
  }

  private evict(): void {
    const idle = [...this.entries].filter(([, e]) => e.aggregate).sort((a, b) => b[1].lastUsed - a[1].lastUsed);
    for (const [id] of idle.slice(KEEP_IDLE)) {
      const agg = this.entries.get(id)?.aggregate;
      if (agg) this.totals(id, agg.seq);
      this.entries.delete(id);
    }
  }
}

/**
 * A `policy` event (the adaptive scheduler's PolicySnapshot plus `variants` and `finished`) as values
 * per variant id. Arrays are indexed like `variants` (the experiment's order).
 */
export function policyState(event: EventItem): PolicyState {
  const d = (event.data ?? {}) as Record<string, unknown>;
  const ids = Array.isArray(d['variants']) ? (d['variants'] as string[]) : [];
  const byId = (key: string): Record<string, number> | null => {
    const v = d[key];
    if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [ids[i] ?? String(i), Number(x)]));
    if (v && typeof v === 'object') return v as Record<string, number>;
    return null;
  };
  return {
    seq: event.seq, ts: event.ts, finished: typeof d['finished'] === 'number' ? d['finished'] : null,
    probBest: byId('probBest'), probabilities: byId('probabilities'), weights: byId('weights'),
  };
}
