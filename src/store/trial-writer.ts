import type { Database, Statement } from 'better-sqlite3';
import { RunBusyError } from '../model/errors.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { TrialSink, TrialWriterOptions } from './store.js';

/** Flush at least this often, so no finished result waits long uncommitted. */
export const FLUSH_INTERVAL_MS = 50;
const MAX_BATCH = 4096;

/**
 * Writes trials in batched transactions: one row when a trial is scheduled, its result when it
 * finishes (written once: a second result for the same seq is ignored, and only results actually
 * written are announced in the `trials` event). A batch is committed when it is large, when it is
 * older than FLUSH_INTERVAL_MS (checked on every write, because a busy run of instant trials can
 * starve timers), and on a timer otherwise.
 *
 * With an owner token, each batch first renews the run's claim in the same transaction and commits
 * nothing if another process took the run over. A batch that fails to commit on its own (timer, size:
 * a full disk) never throws into the caller: `onError` is told once and later batches wait for an
 * explicit `flush()` or `close()`, which throw.
 *
 * @example
 * const writer = store.trialWriter(runId, { owner: token, onError: (e) => stopTheRun(e) });
 * writer.scheduled(spec); writer.finished(spec, outcome); writer.close();
 */
export class TrialWriter implements TrialSink {
  private scheduledRows: unknown[][] = [];
  private finishedRows: unknown[][] = [];
  private finishedSeqs: number[] = [];
  private events: [string, string][] = [];
  private oldest = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly insertScheduled: Statement;
  private readonly writeResult: Statement;
  private readonly insertEvent: Statement;
  private readonly renewClaim: Statement | null;
  private readonly flushTx: () => number[];
  private closed = false;
  /** The first failure of a batch committed on its own; later ones wait for flush() or close(). */
  private failure: unknown = null;

  constructor(
    private readonly db: Database,
    private readonly runId: string,
    private readonly options: TrialWriterOptions = {},
  ) {
    this.insertScheduled = db.prepare(
      `INSERT OR IGNORE INTO trials (run_id, seq, variant_id, task_idx, repeat, seed, status, scheduled_at)
       VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?)`,
    );
    this.writeResult = db.prepare(
      `INSERT INTO trials (run_id, seq, variant_id, task_idx, repeat, seed, status, prompt, output, score, passed, scores,
         attempts, attempt_count, latency_ms, tokens_in, tokens_out, cost, error_kind, error, scheduled_at, started_at, finished_at, reward, cached)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, seq) DO UPDATE SET status = excluded.status, prompt = excluded.prompt, output = excluded.output,
         score = excluded.score, passed = excluded.passed, scores = excluded.scores, attempts = excluded.attempts,
         attempt_count = excluded.attempt_count, latency_ms = excluded.latency_ms, tokens_in = excluded.tokens_in,
         tokens_out = excluded.tokens_out, cost = excluded.cost, error_kind = excluded.error_kind, error = excluded.error,
         started_at = excluded.started_at, finished_at = excluded.finished_at, reward = excluded.reward, cached = excluded.cached
       WHERE trials.status = 'scheduled'`,
    );
    this.insertEvent = db.prepare('INSERT INTO events (run_id, ts, type, data) VALUES (?, ?, ?, ?)');
    this.renewClaim = options.owner === undefined
      ? null
      : db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'");
    this.flushTx = db.transaction(() => this.writeBatch());
    this.timer = setInterval(() => this.flushOnItsOwn(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  scheduled(spec: TrialSpec): void {
    this.touch();
    this.scheduledRows.push([this.runId, spec.seq, spec.variantId, spec.taskIdx, spec.repeat, spec.seed, Date.now()]);
    this.maybeFlush();
  }

  finished(spec: TrialSpec, o: TrialOutcome, reward: number | null = null): void {
    this.touch();
    this.finishedRows.push([
      this.runId, spec.seq, spec.variantId, spec.taskIdx, spec.repeat, spec.seed, o.status, o.prompt, o.output,
      o.score, o.passed === null ? null : o.passed ? 1 : 0, JSON.stringify(o.scores), JSON.stringify(o.attempts),
      o.attempts.length, o.cached ? null : o.latencyMs, o.tokens.input, o.tokens.output, o.cost, o.error?.kind ?? null,
      o.error ? JSON.stringify(o.error) : null, o.startedAt, o.startedAt, o.finishedAt, reward, o.cached ? 1 : null,
    ]);
    this.finishedSeqs.push(spec.seq);
    this.maybeFlush();
  }

  /** Queues an event to be committed after the trials written before it. */
  event(type: string, data: unknown): void {
    this.touch();
    this.events.push([type, JSON.stringify(data)]);
    this.maybeFlush();
  }

  /** Commits everything queued; throws when it cannot (nothing of the batch is then written). */
  flush(): void {
    if (this.scheduledRows.length === 0 && this.finishedRows.length === 0 && this.events.length === 0) return;
    const written = this.flushTx();
    this.failure = null;
    if (written.length) this.options.onFlush?.(written);
  }

  /** Stops the timer and commits what is queued; throws when that last batch cannot be committed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.flush();
  }

  private touch(): void {
    if (this.scheduledRows.length === 0 && this.finishedRows.length === 0 && this.events.length === 0) this.oldest = performance.now();
  }

  private maybeFlush(): void {
    const size = this.scheduledRows.length + this.finishedRows.length + this.events.length;
    if (size >= MAX_BATCH || performance.now() - this.oldest >= FLUSH_INTERVAL_MS) this.flushOnItsOwn();
  }

  /** A batch nobody asked for: a failure goes to onError (once), never to whoever was writing. */
  private flushOnItsOwn(): void {
    if (this.failure !== null || this.closed) return;
    try {
      this.flush();
    } catch (error) {
      this.failure = error;
      this.options.onError?.(error);
    }
  }

  /** One transaction; returns the seqs whose result it wrote (a result already written is skipped). */
  private writeBatch(): number[] {
    const now = Date.now();
    if (this.renewClaim && this.renewClaim.run(now, this.runId, this.options.owner).changes === 0) {
      throw new RunBusyError(`Run ${this.runId} is no longer owned by this process (another process took it over); nothing more is written.`);
    }
    // A trial that finished within the batch it was scheduled in needs only its result row.
    const done = this.finishedSeqs.length ? new Set(this.finishedSeqs) : null;
    for (const row of this.scheduledRows) if (!done?.has(row[1] as number)) this.insertScheduled.run(row);
    const written: number[] = [];
    for (const row of this.finishedRows) if (this.writeResult.run(row).changes > 0) written.push(row[1] as number);
    if (written.length) this.insertEvent.run(this.runId, now, 'trials', JSON.stringify({ seqs: written }));
    for (const [type, data] of this.events) this.insertEvent.run(this.runId, now, type, data);
    this.events = [];
    this.scheduledRows = [];
    this.finishedRows = [];
    this.finishedSeqs = [];
    return written;
  }
}
