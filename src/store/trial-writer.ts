import type { Database, Statement } from 'better-sqlite3';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { TrialSink, TrialWriterOptions } from './store.js';
import { seqRanges } from './trial-events.js';
import { parseTrialFormat, type TrialFormat } from './trial-format.js';

/** Flush at least this often, so no finished result waits long uncommitted. */
export const FLUSH_INTERVAL_MS = 50;
const MAX_BATCH = 4096;
/** Rows per multi-row INSERT: one statement call binds this many rows. */
const CHUNK_ROWS = 64;

/** Columns of a compact row (one scorer or none, one clean attempt, no error). */
const COMPACT = [
  'run_id', 'seq', 'variant_id', 'task_idx', 'repeat', 'seed', 'status', 'prompt', 'output', 'score', 'passed', 'reason',
  'attempt_count', 'latency_ms', 'tokens_in', 'tokens_out', 'cost', 'scheduled_at', 'started_at', 'finished_at', 'reward',
] as const;
/** Columns of a full row: scores, attempts and the error as JSON. */
const FULL = [...COMPACT, 'scores', 'attempts', 'error_kind', 'error'] as const;
const KEYS = new Set(['run_id', 'seq', 'variant_id', 'task_idx', 'repeat', 'seed', 'scheduled_at']);
const C = COMPACT.length;

/**
 * One upsert of `rows` rows: a result is written once. It replaces a `scheduled` row of the same trial
 * and is ignored when the trial already has a result.
 */
function upsertSql(columns: readonly string[], rows: number): string {
  const values = `(${columns.map(() => '?').join(', ')})`;
  const set = columns.filter((c) => !KEYS.has(c)).map((c) => `${c} = excluded.${c}`).join(', ');
  return `INSERT INTO trials (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => values).join(', ')}
          ON CONFLICT (run_id, seq) DO UPDATE SET ${set} WHERE trials.status = 'scheduled'`;
}

/**
 * Writes a run's trials in batched transactions. A result is written once (a second result for the
 * same seq is ignored). A batch is committed when it holds MAX_BATCH results, when it is older than
 * FLUSH_INTERVAL_MS (checked on every result, because a busy run of instant trials can starve timers),
 * and on a timer otherwise.
 *
 * Fast path: results go out CHUNK_ROWS at a time through one multi-row statement, as compact rows
 * (see trial-format.ts) when they have one scorer and one clean attempt. A trial gets a `scheduled`
 * row only if it is still running when a batch is committed: with `scheduledRows: 'lingering'` (the
 * plan can be recomputed on resume) only once it has been running across a whole commit interval, so
 * instant trials write one row each.
 *
 * A commit that fails (a full disk) keeps the batch and is reported by the next call to `finished`,
 * `flush` or `close`, never thrown from the timer.
 *
 * @example
 * const writer = store.trialWriter(runId);
 * writer.scheduled(spec); writer.finished(spec, outcome); writer.close();
 */
export class TrialWriter implements TrialSink {
  private chunks: unknown[][] = [];
  private chunk: unknown[] = new Array(CHUNK_ROWS * C);
  private filled = 0;
  private fullRows: unknown[][] = [];
  private seqs: number[] = [];
  private events: [string, string][] = [];
  /** Trials running, without a row yet: started since the last commit, and before it. */
  private young = new Map<number, TrialSpec>();
  private old = new Map<number, TrialSpec>();
  private oldest = 0;
  private format: TrialFormat;
  private formatDirty = false;
  private failure: unknown = null;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly insertScheduled: Statement;
  private readonly writeChunk: Statement;
  private readonly writeCompact: Statement;
  /** With `firstAtOnce`, until a result is committed: the first one is committed at once. */
  private first: boolean;
  private readonly writeFull: Statement;
  private readonly insertEvent: Statement;
  private readonly saveFormat: Statement;
  private readonly flushTx: (scheduled: TrialSpec[]) => void;
  private readonly derivedPrompts: boolean;
  private readonly allScheduled: boolean;

  constructor(
    private readonly db: Database,
    private readonly runId: string,
    private readonly options: TrialWriterOptions = {},
  ) {
    this.derivedPrompts = options.derivedPrompts ?? false;
    this.first = options.firstAtOnce ?? false;
    this.allScheduled = (options.scheduledRows ?? 'all') === 'all';
    this.insertScheduled = db.prepare(
      `INSERT OR IGNORE INTO trials (run_id, seq, variant_id, task_idx, repeat, seed, status, scheduled_at)
       VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?)`,
    );
    this.writeFull = db.prepare(upsertSql(FULL, 1));
    this.writeChunk = db.prepare(upsertSql(COMPACT, CHUNK_ROWS));
    this.writeCompact = db.prepare(upsertSql(COMPACT, 1));
    this.insertEvent = db.prepare('INSERT INTO events (run_id, ts, type, data) VALUES (?, ?, ?, ?)');
    this.saveFormat = db.prepare('UPDATE runs SET trial_format = ? WHERE id = ?');
    const stored = db.prepare('SELECT trial_format FROM runs WHERE id = ?').pluck().get(runId) as string | null | undefined;
    this.format = parseTrialFormat(stored);
    this.flushTx = db.transaction((scheduled: TrialSpec[]) => this.writeBatch(scheduled));
    this.timer = setInterval(() => this.tick(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  scheduled(spec: TrialSpec): void {
    this.young.set(spec.seq, spec);
  }

  finished(spec: TrialSpec, o: TrialOutcome, reward: number | null = null): void {
    this.reportFailure();
    if (!this.young.delete(spec.seq)) this.old.delete(spec.seq);
    if (this.seqs.length === 0 && this.events.length === 0) this.oldest = performance.now();
    this.seqs.push(spec.seq);
    if (this.isCompact(o)) this.pushCompact(spec, o, reward);
    else this.pushFull(spec, o, reward);
    if (this.first || this.seqs.length >= MAX_BATCH || performance.now() - this.oldest >= FLUSH_INTERVAL_MS) this.flush();
  }

  /** Queues an event to be committed after the trials written before it. */
  event(type: string, data: unknown): void {
    if (this.seqs.length === 0 && this.events.length === 0) this.oldest = performance.now();
    this.events.push([type, JSON.stringify(data)]);
  }

  /** Commits everything queued, and a row for each trial still running. */
  flush(): void {
    this.reportFailure();
    const scheduled = this.scheduledToWrite();
    if (this.seqs.length === 0 && this.events.length === 0 && scheduled.length === 0) {
      if (!this.allScheduled) this.age();
      return;
    }
    const seqs = this.seqs;
    this.flushTx(scheduled);
    // Committed: only now is the batch let go (a failed commit keeps it for the next attempt).
    this.chunks = [];
    this.chunk = new Array(CHUNK_ROWS * C);
    this.filled = 0;
    this.fullRows = [];
    this.seqs = [];
    this.events = [];
    this.formatDirty = false;
    if (seqs.length) this.first = false;
    for (const spec of scheduled) if (!this.old.delete(spec.seq)) this.young.delete(spec.seq);
    if (!this.allScheduled) this.age();
    if (seqs.length) this.options.onFlush?.(seqs);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.flush();
  }

  /** A commit that failed on the timer is thrown once, to the next caller; its batch is still queued. */
  private reportFailure(): void {
    if (this.failure === null) return;
    const failure = this.failure;
    this.failure = null;
    throw failure;
  }

  private tick(): void {
    try {
      this.flush();
    } catch (error) {
      this.failure ??= error;
    }
  }

  /** What gets a scheduled row at this commit: every running trial, or those running since before the last commit. */
  private scheduledToWrite(): TrialSpec[] {
    const out = [...this.old.values()];
    if (this.allScheduled) for (const spec of this.young.values()) out.push(spec);
    return out;
  }

  /** Lingering mode: trials started since the last commit become old. */
  private age(): void {
    for (const [seq, spec] of this.young) this.old.set(seq, spec);
    this.young = new Map();
  }

  private isCompact(o: TrialOutcome): boolean {
    if (o.error !== null || o.attempts.length !== 1) return false;
    const attempt = o.attempts[0]!;
    if (attempt.error !== undefined || attempt.n !== 1 || attempt.latencyMs !== o.latencyMs) return false;
    if (o.scores.length === 0) return true;
    if (o.scores.length !== 1) return false;
    const s = o.scores[0]!;
    if (s.score !== o.score) return false;
    if (!this.format.scorer) {
      this.format = { ...this.format, scorer: { name: s.scorer, weight: s.weight } };
      this.formatDirty = true;
    }
    return this.format.scorer!.name === s.scorer && this.format.scorer!.weight === s.weight;
  }

  private pushCompact(spec: TrialSpec, o: TrialOutcome, reward: number | null): void {
    const c = this.chunk;
    let i = this.filled;
    c[i++] = this.runId;
    c[i++] = spec.seq;
    c[i++] = spec.variantId;
    c[i++] = spec.taskIdx;
    c[i++] = spec.repeat;
    c[i++] = spec.seed;
    c[i++] = o.status;
    c[i++] = this.derivedPrompts ? null : o.prompt;
    c[i++] = o.output;
    c[i++] = o.score;
    c[i++] = o.passed === null ? null : o.passed ? 1 : 0;
    c[i++] = o.scores.length ? o.scores[0]!.reason : null;
    c[i++] = 1;
    c[i++] = o.latencyMs;
    c[i++] = o.tokens.input;
    c[i++] = o.tokens.output;
    c[i++] = o.cost;
    c[i++] = o.startedAt;
    c[i++] = o.startedAt;
    c[i++] = o.finishedAt;
    c[i++] = reward;
    this.filled = i;
    if (i === c.length) {
      this.chunks.push(c);
      this.chunk = new Array(CHUNK_ROWS * C);
      this.filled = 0;
    }
  }

  private pushFull(spec: TrialSpec, o: TrialOutcome, reward: number | null): void {
    this.fullRows.push([
      this.runId, spec.seq, spec.variantId, spec.taskIdx, spec.repeat, spec.seed, o.status, this.derivedPrompts ? null : o.prompt, o.output,
      o.score, o.passed === null ? null : o.passed ? 1 : 0, null, o.attempts.length, o.latencyMs, o.tokens.input, o.tokens.output, o.cost,
      o.startedAt, o.startedAt, o.finishedAt, reward, JSON.stringify(o.scores), JSON.stringify(o.attempts), o.error?.kind ?? null,
      o.error ? JSON.stringify(o.error) : null,
    ]);
  }

  private writeBatch(scheduled: TrialSpec[]): void {
    if (this.formatDirty) this.saveFormat.run(JSON.stringify(this.format), this.runId);
    const now = Date.now();
    for (const s of scheduled) this.insertScheduled.run(this.runId, s.seq, s.variantId, s.taskIdx, s.repeat, s.seed, now);
    for (const chunk of this.chunks) this.writeChunk.run(chunk);
    // The last, partial chunk row by row: one statement per size would be compiled again and again.
    for (let i = 0; i < this.filled; i += C) this.writeCompact.run(this.chunk.slice(i, i + C));
    for (const row of this.fullRows) this.writeFull.run(row);
    if (this.seqs.length) {
      const seqs = [...this.seqs];
      this.insertEvent.run(this.runId, now, 'trials', JSON.stringify({ n: seqs.length, ranges: seqRanges(seqs) }));
    }
    for (const [type, data] of this.events) this.insertEvent.run(this.runId, now, type, data);
  }
}
