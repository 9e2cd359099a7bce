/**
 * Tails the store's append-only `events` table (one indexed query every `intervalMs`, whichever process
 * wrote the events), keeps the run aggregates current, and fans batches out to live-stream subscribers.
 * One poll = one batch per subscriber at most: that is the coalescing (about 100 ms).
 */
import type { RunQueries } from '../store/run-queries.js';
import { trialEventCount, trialEventSeqs } from '../store/trial-events.js';
import type { Aggregates } from './aggregates.js';
import type { EventItem, LogLine, RunSummary, StreamBatch, StreamReset, TrialBrief } from './api-types.js';

/** A reconnecting client further behind than this many events reloads its snapshot instead. */
export const MAX_REPLAY = 2000;
const PAGE = 5000;

export interface Subscription {
  close(): void;
}

interface Subscriber {
  runId: string | null;
  send(batch: StreamBatch): void;
}

export class EventHub {
  /** The last event seq delivered to subscribers. */
  seq: number;
  private readonly subscribers = new Set<Subscriber>();
  private readonly pendingLogs = new Map<string, LogLine[]>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly queries: RunQueries,
    private readonly aggregates: Aggregates,
    private readonly summaryOf: (runId: string) => RunSummary | null,
    private readonly intervalMs = 100,
  ) {
    this.seq = queries.lastEventSeq();
  }

  start(): void {
    this.timer ??= setInterval(() => this.poll(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A log line of a run launched here, delivered with the next batch. */
  log(runId: string, line: LogLine): void {
    if (![...this.subscribers].some((s) => s.runId === runId)) return;
    const list = this.pendingLogs.get(runId) ?? [];
    list.push(line);
    this.pendingLogs.set(runId, list);
  }

  /**
   * Registers a subscriber after replaying what it missed since `after`; both happen synchronously, so
   * nothing falls between the replay and the live batches. Returns the replay (or a reset when the
   * client is too far behind) for the caller to send first.
   */
  subscribe(runId: string | null, after: number, send: (batch: StreamBatch) => void): { subscription: Subscription; first: StreamBatch | StreamReset } {
    const sub: Subscriber = { runId, send };
    let first: StreamBatch | StreamReset;
    const missed = after < this.seq ? this.eventsAfter(after, runId, MAX_REPLAY + 1, this.seq) : [];
    if (missed.length > MAX_REPLAY) {
      first = { seq: this.seq, reason: `more than ${MAX_REPLAY} events behind: reload the snapshot` };
    } else {
      first = this.batch(runId, missed, runId ? this.summaryOf(runId) : null, []);
    }
    this.subscribers.add(sub);
    if (runId && !('events' in first && first.summary)) {
      // The run's statistics are not computed yet: send its variant table once they are.
      void this.aggregates.ensure(runId).then(
        () => {
          const summary = this.subscribers.has(sub) ? this.summaryOf(runId) : null;
          if (summary) send({ seq: this.seq, events: [], trials: [], summary, log: [] });
        },
        () => undefined,
      );
    }
    return { subscription: { close: () => this.subscribers.delete(sub) }, first };
  }

  /** One poll: reads new events, updates aggregates, sends batches. */
  poll(): void {
    for (;;) {
      const events = this.eventsAfter(this.seq, null, PAGE);
      if (events.length === 0) break;
      const byRun = new Map<string, EventItem[]>();
      for (const e of events) {
        const list = byRun.get(e.runId) ?? [];
        list.push(e);
        byRun.set(e.runId, list);
      }
      for (const [runId, list] of byRun) this.aggregates.onEvents(runId, list);
      this.seq = events[events.length - 1]!.seq;
      this.dispatch(events, byRun);
      if (events.length < PAGE) break;
    }
    this.flushLogs();
  }

  private eventsAfter(after: number, runId: string | null, limit: number, upTo?: number): EventItem[] {
    return this.queries.eventsAfter(after, { ...(runId ? { runId } : {}), limit, ...(upTo !== undefined ? { upTo } : {}) });
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private dispatch(events: EventItem[], byRun: Map<string, EventItem[]>): void {
    if (this.subscribers.size === 0) return;
    const perRun = new Map<string, StreamBatch>();
    let all: StreamBatch | null = null;
    for (const sub of this.subscribers) {
      if (sub.runId === null) {
        all ??= this.batch(null, events, null, []);
        sub.send(all);
        continue;
      }
      const list = byRun.get(sub.runId);
      if (!list) continue;
      let batch = perRun.get(sub.runId);
      if (!batch) {
        batch = this.batch(sub.runId, list, this.summaryOf(sub.runId), this.takeLogs(sub.runId));
        perRun.set(sub.runId, batch);
      }
      sub.send(batch);
    }
  }

  private flushLogs(): void {
    for (const [runId, lines] of this.pendingLogs) {
      if (lines.length === 0) continue;
      this.pendingLogs.set(runId, []);
      const batch: StreamBatch = { seq: this.seq, events: [], trials: [], summary: null, log: lines };
      for (const sub of this.subscribers) if (sub.runId === runId) sub.send(batch);
    }
  }

  private takeLogs(runId: string): LogLine[] {
    const lines = this.pendingLogs.get(runId) ?? [];
    this.pendingLogs.set(runId, []);
    return lines;
  }

  /**
   * A batch for one run (with its finished trials for the feed and the variant table) or for the
   * all-runs stream (events only, `trials` events reduced to their count).
   */
  private batch(runId: string | null, events: EventItem[], summary: RunSummary | null, log: LogLine[]): StreamBatch {
    if (runId === null) {
      const slim = events.map((e) => (e.type === 'trials' ? { ...e, data: { count: trialEventCount(e.data) } } : e));
      return { seq: this.seq, events: slim, trials: [], summary: null, log };
    }
    const seqs = events.filter((e) => e.type === 'trials').flatMap((e) => trialEventSeqs(e.data));
    const trials: TrialBrief[] = this.queries.trialBriefs(runId, seqs, 50);
    return { seq: this.seq, events, trials, summary, log };
  }
}
