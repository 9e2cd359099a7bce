import type { Database, Statement } from 'better-sqlite3';
import { RunBusyError } from '../model/errors.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import type { TrialSink, TrialWriterOptions } from './store.js';
import { seqRanges } from './trial-events.js';
import { parseTrialFormat, type TrialFormat } from './trial-format.js';

/** Flush at least this often, so no finished result waits long uncommitted. */
export const FLUSH_INTERVAL_MS = 50;
const MAX_BATCH = 4096;
/** Rows per multi-row INSERT: one statement call binds this many rows. */
const CHUNK_ROWS = 64;

/**
 * Columns of a compact row (one scorer or none, one clean attempt, no error) and what each binds: a
 * parameter (`?`), the run id bound once per statement (`@run`), or a constant. Its started_at is
 * left NULL: it is the scheduled_at (readers take that).
 */
const COMPACT: readonly (readonly [string, string])[] = [
  ['run_id', '@run'], ['seq', '?'], ['variant_id', '?'], ['task_idx', '?'], ['repeat', '?'], ['seed', '?'], ['status', "'ok'"],
  ['prompt', '?'], ['output', '?'], ['score', '?'], ['passed', '?'], ['reason', '?'], ['attempt_count', '1'], ['latency_ms', '?'],
  ['tokens_in', '?'], ['tokens_out', '?'], ['cost', '?'], ['scheduled_at', '?'], ['finished_at', '?'], ['reward', '?'],
];
/** Parameters of a compact row. */
const C = COMPACT.filter(([, value]) => value === '?').length;
/** Columns of a full row: scores, attempts and the error as JSON; every value a parameter. */
const FULL: readonly (readonly [string, string])[] = [
  ...['run_id', 'seq', 'variant_id', 'task_idx', 'repeat', 'seed', 'status', 'prompt', 'output', 'score', 'passed', 'reason', 'attempt_count',
    'latency_ms', 'tokens_in', 'tokens_out', 'cost', 'scheduled_at', 'started_at', 'finished_at', 'reward', 'scores', 'attempts', 'error_kind', 'error',
    'cached'].map((c) => [c, '?'] as const),
];
const KEYS = new Set(['run_id', 'seq', 'variant_id', 'task_idx', 'repeat', 'seed', 'scheduled_at']);
/** The numeric columns of a compact row, in the writer's Float64Array. */
const NUMBERS = 12;
/** Thrown inside a batch's transaction to roll it back and commit it again carefully (see `commit`). */
const RECHECK = new Error('some results were already written');

/**
 * One upsert of `rows` rows: a result is written once. It replaces a `scheduled` row of the same trial
 * and is ignored when the trial already has a result.
 */
function upsertSql(columns: readonly (readonly [string, string])[], rows: number): string {
  const values = `(${columns.map(([, value]) => value).join(', ')})`;
  const set = columns.filter(([c]) => !KEYS.has(c)).map(([c]) => `${c} = excluded.${c}`);
  // A compact row's start is its scheduled_at; a scheduled row it replaces keeps its own and takes this start.
  if (!columns.some(([c]) => c === 'started_at')) set.push('started_at = excluded.scheduled_at');
  return `INSERT INTO trials (${columns.map(([c]) => c).join(', ')}) VALUES ${Array.from({ length: rows }, () => values).join(', ')}
          ON CONFLICT (run_id, seq) DO UPDATE SET ${set.join(', ')} WHERE trials.status = 'scheduled'`;
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
 * Only results actually written are announced in the `trials` event and to `onFlush` (a result already
 * written is left out). With an owner token, each batch first renews the run's claim in the same
 * transaction and commits nothing if another process took the run over. A batch that fails to commit
 * on its own (timer, size: a full disk) never throws into the caller and keeps its rows: `onError` is
 * told once and later batches wait for an explicit `flush()` or `close()`, which throw.
 *
 * @example
 * const writer = store.trialWriter(runId, { owner: token, onError: (e) => stopTheRun(e) });
 * writer.scheduled(spec); writer.finished(spec, outcome); writer.close();
 */
export class TrialWriter implements TrialSink {
  /**
   * The batch's compact rows, by column: numbers in one Float64Array (NaN for null: SQLite stores NaN
   * as NULL), text in arrays. A batch lives across young-generation collections, and numbers kept in
   * JS arrays would be boxed and copied at each; here only the strings are.
   */
  private numbers = new Float64Array(MAX_BATCH * NUMBERS);
  private readonly chunkParams = new Array<unknown>(CHUNK_ROWS * C);
  private readonly rowParams = new Array<unknown>(C);
  private rewards = new Float64Array(MAX_BATCH);
  /** Kept from batch to batch (a new array per batch grew by copying, a tenth of a kilobyte a trial). */
  private readonly variants: string[] = [];
  private readonly outputs: (string | null)[] = [];
  private readonly reasons: (string | null)[] = [];
  private readonly prompts: (string | null)[] = [];
  private rows = 0;
  private fullRows: unknown[][] = [];
  private seqs: number[] = [];
  private events: [string, string][] = [];
  /**
   * Trials running without a row yet. `young`: started since the last commit, in order, a finished one
   * taken out: popped when it is the last (an instant trial), skipped by `youngHead` when it is the
   * first (calls that take about as long as each other end in the order they began), else found by
   * bisecting `youngSeqs` and left as null. A Map's delete shrank and reallocated its table on every
   * instant trial. `old`: started before the last commit.
   */
  private young: (TrialSpec | null)[] = [];
  /** The seq of each entry of `young` (kept when the entry is nulled); increasing unless `youngSorted` is false. */
  private youngSeqs: number[] = [];
  private youngSorted = true;
  /** Every entry of `young` before this one is null. */
  private youngHead = 0;
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
  private readonly renewClaim: Statement | null;
  private readonly finishedIn: Statement;
  private readonly flushTx: (scheduled: TrialSpec[], careful: boolean) => number[];
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
    this.renewClaim = options.owner === undefined
      ? null
      : db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'");
    this.finishedIn = db.prepare("SELECT seq FROM trials WHERE run_id = ? AND seq BETWEEN ? AND ? AND status != 'scheduled'").pluck();
    this.flushTx = db.transaction((scheduled: TrialSpec[], careful: boolean) => this.writeBatch(scheduled, careful));
    this.timer = setInterval(() => this.tick(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  scheduled(spec: TrialSpec): void {
    const seqs = this.youngSeqs;
    if (seqs.length !== 0 && spec.seq <= seqs[seqs.length - 1]!) this.youngSorted = false;
    this.young.push(spec);
    seqs.push(spec.seq);
  }

  finished(spec: TrialSpec, o: TrialOutcome, reward: number | null = null): void {
    this.forget(spec.seq);
    if (this.seqs.length === 0 && this.events.length === 0) this.oldest = performance.now();
    this.seqs.push(spec.seq);
    if (this.isCompact(o)) this.pushCompact(spec, o, reward);
    else this.pushFull(spec, o, reward);
    if (this.first || this.seqs.length >= MAX_BATCH || performance.now() - this.oldest >= FLUSH_INTERVAL_MS) this.flushOnItsOwn();
  }

  /** Queues an event to be committed after the trials written before it. */
  event(type: string, data: unknown): void {
    if (this.seqs.length === 0 && this.events.length === 0) this.oldest = performance.now();
    this.events.push([type, JSON.stringify(data)]);
  }

  /** Commits everything queued, and a row for each trial still running; throws when it cannot (the batch stays queued). */
  flush(): void {
    const scheduled = this.scheduledToWrite();
    if (this.seqs.length === 0 && this.events.length === 0 && scheduled.length === 0) {
      if (!this.allScheduled) this.age();
      return;
    }
    const written = this.commit(scheduled);
    this.failure = null;
    // Committed: only now is the batch let go (a failed commit keeps it for the next attempt).
    // The texts are let go (the arrays kept): a batch's strings must not outlive it.
    this.outputs.fill(null, 0, this.rows);
    this.reasons.fill(null, 0, this.rows);
    this.prompts.fill(null, 0, this.rows);
    this.rows = 0;
    this.fullRows = [];
    this.seqs = [];
    this.events = [];
    this.formatDirty = false;
    if (written.length) this.first = false;
    // Every old trial got its row, and with allScheduled every young one too.
    this.old = new Map();
    if (this.allScheduled) this.clearYoung();
    else this.age();
    if (written.length) this.options.onFlush?.(written);
  }

  /** Stops the timer and commits what is queued; throws when that last batch cannot be committed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.flush();
  }

  private tick(): void {
    this.flushOnItsOwn();
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

  /**
   * One transaction. The common case learns from the statements' change counts that every result was
   * written; when some were not (another writer recorded them first), it is rolled back and done again
   * carefully, reading which of the batch's trials already had a result, so they are not announced.
   */
  private commit(scheduled: TrialSpec[]): number[] {
    try {
      return this.flushTx(scheduled, false);
    } catch (error) {
      if (error !== RECHECK) throw error;
      return this.flushTx(scheduled, true);
    }
  }

  /** A trial that ended needs no scheduled row. */
  private forget(seq: number): void {
    const young = this.young;
    const seqs = this.youngSeqs;
    if (young.length > this.youngHead && young[young.length - 1]?.seq === seq) {
      young.pop();
      seqs.pop();
      while (young.length > this.youngHead && young[young.length - 1] === null) {
        young.pop();
        seqs.pop();
      }
      if (this.youngHead !== 0 && young.length === this.youngHead) this.clearYoung();
      return;
    }
    if (young[this.youngHead]?.seq === seq) {
      young[this.youngHead++] = null;
      while (this.youngHead < young.length && young[this.youngHead] === null) this.youngHead++;
      if (young.length === this.youngHead) this.clearYoung();
      return;
    }
    // Neither end (calls of uneven length): bisected, as trials start in seq order.
    const i = this.youngSorted ? bisect(seqs, seq, this.youngHead + 1, young.length - 1) : seqs.indexOf(seq, this.youngHead + 1);
    if (i >= 0 && i < young.length - 1 && young[i] !== null) young[i] = null;
    else if (this.old.size !== 0) this.old.delete(seq);
  }

  private clearYoung(): void {
    this.young = [];
    this.youngSeqs = [];
    this.youngSorted = true;
    this.youngHead = 0;
  }

  /** What gets a scheduled row at this commit: every running trial, or those running since before the last commit. */
  private scheduledToWrite(): TrialSpec[] {
    const out = [...this.old.values()];
    if (this.allScheduled) for (const spec of this.young) if (spec !== null) out.push(spec);
    return out;
  }

  /** Lingering mode: trials started since the last commit become old. */
  private age(): void {
    for (let i = this.youngHead; i < this.young.length; i++) {
      const spec = this.young[i];
      if (spec) this.old.set(spec.seq, spec);
    }
    this.clearYoung();
  }

  private isCompact(o: TrialOutcome): boolean {
    // An answer from the response cache is written in full: it is marked, and has no latency.
    if (o.status !== 'ok' || o.error !== null || o.attempts.length !== 1 || o.cached) return false;
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
    if (this.rows === this.rewards.length) this.grow();
    const r = this.rows++;
    const n = this.numbers;
    let i = r * NUMBERS;
    n[i++] = spec.seq;
    n[i++] = spec.taskIdx;
    n[i++] = spec.repeat;
    n[i++] = spec.seed;
    n[i++] = o.score ?? NaN;
    n[i++] = o.passed === null ? NaN : o.passed ? 1 : 0;
    n[i++] = o.latencyMs;
    n[i++] = o.tokens.input ?? NaN;
    n[i++] = o.tokens.output ?? NaN;
    n[i++] = o.cost ?? NaN;
    n[i++] = o.startedAt;
    n[i] = o.finishedAt;
    this.variants[r] = spec.variantId;
    this.outputs[r] = o.output;
    this.reasons[r] = o.scores.length ? o.scores[0]!.reason : null;
    this.prompts[r] = this.derivedPrompts ? null : o.prompt;
    this.rewards[r] = reward ?? NaN;
  }

  /**
   * Room for more rows than MAX_BATCH: a batch that could not be committed (a full disk, a lost claim)
   * keeps growing with the results still coming in until one commit succeeds.
   */
  private grow(): void {
    this.numbers = doubled(this.numbers);
    this.rewards = doubled(this.rewards);
  }

  /**
   * Compact rows `from` to `to` as one statement's parameters, in COMPACT's column order. Written into
   * one of two arrays kept for the purpose (a whole chunk, one row): a statement binds its parameters
   * before `run` returns, so they can be reused, and a new array per chunk was a tenth of a trial's garbage.
   */
  private params(from: number, to: number): unknown[] {
    const out = to - from === CHUNK_ROWS ? this.chunkParams : to - from === 1 ? this.rowParams : new Array<unknown>((to - from) * C);
    const n = this.numbers;
    let k = 0;
    for (let r = from; r < to; r++) {
      const i = r * NUMBERS;
      out[k++] = n[i];
      out[k++] = this.variants[r];
      out[k++] = n[i + 1];
      out[k++] = n[i + 2];
      out[k++] = n[i + 3];
      out[k++] = this.prompts[r];
      out[k++] = this.outputs[r];
      out[k++] = n[i + 4];
      out[k++] = n[i + 5];
      out[k++] = this.reasons[r];
      out[k++] = n[i + 6];
      out[k++] = n[i + 7];
      out[k++] = n[i + 8];
      out[k++] = n[i + 9];
      out[k++] = n[i + 10];
      out[k++] = n[i + 11];
      out[k++] = this.rewards[r];
    }
    return out;
  }

  private pushFull(spec: TrialSpec, o: TrialOutcome, reward: number | null): void {
    this.fullRows.push([
      this.runId, spec.seq, spec.variantId, spec.taskIdx, spec.repeat, spec.seed, o.status, this.derivedPrompts ? null : o.prompt, o.output,
      o.score, o.passed === null ? null : o.passed ? 1 : 0, null, o.attempts.length, o.cached ? null : o.latencyMs, o.tokens.input, o.tokens.output, o.cost,
      o.startedAt, o.startedAt, o.finishedAt, reward, JSON.stringify(o.scores), JSON.stringify(o.attempts), o.error?.kind ?? null,
      o.error ? JSON.stringify(o.error) : null, o.cached ? 1 : null,
    ]);
  }

  private writeBatch(scheduled: TrialSpec[], careful: boolean): number[] {
    if (this.renewClaim && this.renewClaim.run(Date.now(), this.runId, this.options.owner).changes === 0) {
      throw new RunBusyError(`Run ${this.runId} is no longer owned by this process (another process took it over); nothing more is written.`);
    }
    const before = careful ? this.alreadyFinished() : null;
    if (this.formatDirty) this.saveFormat.run(JSON.stringify(this.format), this.runId);
    const now = Date.now();
    for (const s of scheduled) this.insertScheduled.run(this.runId, s.seq, s.variantId, s.taskIdx, s.repeat, s.seed, now);
    let r = 0;
    let changes = 0;
    const named = { run: this.runId };
    // Spread, not passed as one array: better-sqlite3 reads an array element by element through V8's
    // generic property lookup, and arguments directly (a quarter of the insert's instructions). The
    // spread comes last: V8 passes a final spread of an array as it is, and copies it otherwise.
    for (; r + CHUNK_ROWS <= this.rows; r += CHUNK_ROWS) changes += this.writeChunk.run(named, ...this.params(r, r + CHUNK_ROWS)).changes;
    // The last, partial chunk row by row: one statement per size would be compiled again and again.
    for (; r < this.rows; r++) changes += this.writeCompact.run(named, ...this.params(r, r + 1)).changes;
    for (const row of this.fullRows) changes += this.writeFull.run(...row).changes;
    if (!careful && changes !== this.seqs.length) throw RECHECK;
    const written = before ? this.seqs.filter((seq) => !before.has(seq)) : [...this.seqs];
    if (written.length) {
      this.insertEvent.run(this.runId, now, 'trials', JSON.stringify({ n: written.length, ranges: seqRanges([...written]) }));
    }
    for (const [type, data] of this.events) this.insertEvent.run(this.runId, now, type, data);
    return written;
  }

  /** The batch's seqs that already have a result (read before writing, in the careful pass). */
  private alreadyFinished(): Set<number> {
    if (this.seqs.length === 0) return new Set();
    let lo = Infinity;
    let hi = -Infinity;
    for (const seq of this.seqs) {
      if (seq < lo) lo = seq;
      if (seq > hi) hi = seq;
    }
    const mine = new Set(this.seqs);
    return new Set((this.finishedIn.all(this.runId, lo, hi) as number[]).filter((seq) => mine.has(seq)));
  }
}

/** A copy of `a` with twice its room. */
function doubled(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const out = new Float64Array(a.length * 2);
  out.set(a);
  return out;
}

/** The index of `value` in the increasing `sorted[lo, hi)`, or -1. */
function bisect(sorted: readonly number[], value: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return mid;
    if (v < value) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}
