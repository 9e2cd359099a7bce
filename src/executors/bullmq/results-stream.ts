import type { Redis } from 'ioredis';
import type { TrialOutcome } from '../../model/trial.js';

/**
 * A run's results stream (`metaorch:Q:results:RUN`): workers append outcomes (the outcomes of one turn
 * of their event loop as one entry, a JSON array) before their job completes; the orchestrator reads
 * them from the start (an earlier orchestrator's late results included) and deletes what it has read
 * once the store has had time to commit it.
 */

/** Results are deleted from the stream this long after they were read. */
const TRIM_AFTER_MS = 250;

/**
 * The orchestrator's side: a blocking read loop on its own connection.
 *
 * @example
 * const reader = new ResultsReader(redis.duplicate(), redis, key, (o) => receive(o));
 * reader.start(); ... await reader.close();
 */
export class ResultsReader {
  private lastId = '0';
  private consumed: { id: string; at: number }[] = [];
  private closed = false;
  private loop: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** A connection of its own: XREAD BLOCK holds it. */
    private readonly blocking: Redis,
    private readonly redis: Redis,
    private readonly key: string,
    private readonly onOutcome: (outcome: TrialOutcome) => void,
  ) {
    this.blocking.on('error', () => undefined);
  }

  start(): void {
    this.loop = this.read();
    this.timer = setInterval(() => void this.trim(), TRIM_AFTER_MS);
    this.timer.unref();
  }

  /** After Redis came back (perhaps empty): read again from the start. */
  rewind(): void {
    this.lastId = '0';
  }

  /** Stops reading; `blocking` is closed by `closeConnection`. */
  async close(closeConnection: (redis: Redis) => void): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    closeConnection(this.blocking);
    await this.loop;
  }

  private async read(): Promise<void> {
    while (!this.closed) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await this.blocking.xread('COUNT', 2000, 'BLOCK', 1000, 'STREAMS', this.key, this.lastId)) as typeof reply;
      } catch {
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const now = Date.now();
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          this.lastId = id;
          this.consumed.push({ id, at: now });
          const json = fields[fields.indexOf('o') + 1];
          if (json !== undefined) for (const outcome of JSON.parse(json) as TrialOutcome[]) this.onOutcome(outcome);
        }
      }
    }
  }

  private async trim(): Promise<void> {
    const cutoff = Date.now() - TRIM_AFTER_MS;
    let n = 0;
    while (n < this.consumed.length && (this.consumed[n] as { at: number }).at <= cutoff) n++;
    if (n === 0 || this.redis.status !== 'ready') return;
    const ids = this.consumed.splice(0, n).map((c) => c.id);
    await this.redis.xdel(this.key, ...ids).catch(() => undefined);
  }
}

/**
 * The worker's side: the outcomes of one turn of the event loop go as one entry per run, in one
 * pipeline; each `push` resolves once its entry is in Redis.
 *
 * @example
 * const writer = new ResultsWriter(redis, (runId) => redisKeys(queue).results(runId));
 * await writer.push(runId, outcome);
 */
export class ResultsWriter {
  private queued = new Map<string, { outcomes: TrialOutcome[]; done: ((error?: Error) => void)[] }>();
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (runId: string) => string,
  ) {}

  push(runId: string, outcome: TrialOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      let entry = this.queued.get(runId);
      if (!entry) this.queued.set(runId, (entry = { outcomes: [], done: [] }));
      entry.outcomes.push(outcome);
      entry.done.push((e) => (e ? reject(e) : resolve()));
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = [...this.queued];
    this.queued = new Map();
    const pipeline = this.redis.pipeline();
    for (const [runId, entry] of batch) pipeline.xadd(this.keyOf(runId), '*', 'o', JSON.stringify(entry.outcomes));
    try {
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach(([, entry], i) => entry.done.forEach((d) => d(replies[i]?.[0] ?? undefined)));
    } catch (error) {
      for (const [, entry] of batch) entry.done.forEach((d) => d(error as Error));
    }
  }
}
