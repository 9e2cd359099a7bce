import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Experiment } from '../config/experiment.js';
import { DiskFullError, isDiskFull, MetaorchError, RunNotFoundError, StoreError } from '../model/errors.js';
import type { Task } from '../model/task.js';
import { mayTakeOver, newOwner, type ClaimOptions, type ClaimResult, type RunHolder, type RunOwner } from './claim.js';
import { sqliteControllerLog, type ControllerLog } from './controller-log.js';
import { migrate } from './migrations.js';
import type { AdaptiveHistory, EventRecord, FinishedTrial, PendingTrial, RunListing, RunRecord, TrialRecord, WorkflowTrial } from './records.js';
import { rowToRun, rowToTrial, type RunRow, type TrialRow } from './rows.js';
import type { RunPatch, RunTotals, Store, TrialWriterOptions } from './store.js';
import { TrialWriter } from './trial-writer.js';

export type { RunPatch } from './store.js';

export const DEFAULT_DB = '.metaorch/metaorch.db';

/**
 * Switches a database to WAL. The switch needs a moment alone with a new file and SQLite does not wait
 * for it (no busy handler): when several processes create the store at once, the losers get
 * SQLITE_BUSY. They retry for up to 5 s, and stop as soon as another process has made the switch.
 */
function enableWal(db: Database.Database): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_BUSY' || attempt >= 500) throw e;
      try {
        if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      } catch {
        // still busy: wait and try again
      }
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

/**
 * The store: one SQLite file in WAL mode, the only source of truth for runs, trials and events.
 *
 * @example
 * const store = SqliteStore.open('.metaorch/metaorch.db');
 * store.listRuns();
 */
export class SqliteStore implements Store {
  private log: ControllerLog | undefined;
  private constructor(readonly db: Database.Database, readonly path: string) {}

  /** The controller's decision log, commands and replay history (tables from migration 3). */
  get controller(): ControllerLog {
    return (this.log ??= sqliteControllerLog(this.db, (runId, type, data) => this.appendEvent(runId, type, data)));
  }

  static open(path: string, options: { readonly?: boolean } = {}): SqliteStore {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
      db.pragma('busy_timeout = 5000');
      if (!options.readonly) {
        enableWal(db);
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db);
      }
      return new SqliteStore(db, path);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      if (isDiskFull(e)) throw new DiskFullError(`disk full: cannot open the store at ${path}; free space and try again.`, undefined, { cause: e });
      throw new StoreError(`Cannot open the store at ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Records a new run with its validated config, variants and tasks, claimed by `owner`, in one transaction. */
  createRun(id: string, experiment: Experiment, planned: number | null, owner: RunOwner = newOwner()): void {
    const { tasks, ...config } = experiment;
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO runs (id, name, mode, status, seed, config, source, planned, created_at, started_at, pid, owner, host, heartbeat_at)
                  VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, experiment.name, experiment.mode, experiment.seed, JSON.stringify(config), experiment.source, planned, now, now, owner.pid, owner.token, owner.host, now);
      const insertVariant = this.db.prepare('INSERT INTO variants (run_id, idx, id, adapter, config) VALUES (?, ?, ?, ?, ?)');
      experiment.variants.forEach((v, i) => insertVariant.run(id, i, v.id, v.adapter, JSON.stringify(v)));
      const insertTask = this.db.prepare('INSERT INTO tasks (run_id, idx, id, input, expected, metadata) VALUES (?, ?, ?, ?, ?, ?)');
      tasks.forEach((t, i) =>
        insertTask.run(id, i, t.id, JSON.stringify(t.input), t.expected === undefined ? null : JSON.stringify(t.expected), t.metadata ? JSON.stringify(t.metadata) : null),
      );
      this.appendEvent(id, 'run', { status: 'running', name: experiment.name, planned });
    })();
  }

  /**
   * Claims a run in one IMMEDIATE transaction (the write lock is taken before the row is read, so two
   * processes claiming at once are serialised and the second sees the first's claim).
   */
  claimRun(id: string, owner: RunOwner, options: ClaimOptions): ClaimResult {
    return this.db.transaction((): ClaimResult => {
      const row = this.db.prepare('SELECT status, pid, host, owner, heartbeat_at FROM runs WHERE id = ?').get(id) as
        | { status: string; pid: number | null; host: string | null; owner: string | null; heartbeat_at: number | null }
        | undefined;
      if (!row) throw new RunNotFoundError(id, []);
      const holder: RunHolder = { token: row.owner, pid: row.pid, host: row.host, heartbeatAt: row.heartbeat_at };
      if (row.status === 'running' && !mayTakeOver(holder, owner, options)) return { claimed: false, holder };
      this.db
        .prepare(`UPDATE runs SET status = 'running', pid = ?, host = ?, owner = ?, heartbeat_at = ?, finished_at = NULL, stop_reason = NULL, error = NULL
                  WHERE id = ?`)
        .run(owner.pid, owner.host, owner.token, options.now, id);
      this.appendEvent(id, 'run', { status: 'running', stopReason: null });
      return { claimed: true };
    }).immediate();
  }

  renewClaim(id: string, token: string, now: number): boolean {
    return this.db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'").run(now, id, token).changes === 1;
  }

  releaseRun(id: string, token: string, patch: RunPatch): boolean {
    return this.patchRun(id, patch, token);
  }

  updateRun(id: string, patch: RunPatch): void {
    this.patchRun(id, patch, null);
  }

  /** One transaction: the patch (only while `owner` holds the run, when given) and its `run` event. */
  private patchRun(id: string, patch: RunPatch, owner: string | null): boolean {
    const columns: Record<keyof RunPatch, string> = {
      status: 'status', startedAt: 'started_at', finishedAt: 'finished_at', activeMs: 'active_ms',
      stopReason: 'stop_reason', pid: 'pid', error: 'error', planned: 'planned',
    };
    const keys = (Object.keys(patch) as (keyof RunPatch)[]).filter((k) => patch[k] !== undefined);
    if (keys.length === 0) return true;
    return this.db.transaction(() => {
      const sets = keys.map((k) => `${columns[k]} = ?`).join(', ');
      const values = keys.map((k) => patch[k]);
      const info = owner === null
        ? this.db.prepare(`UPDATE runs SET ${sets} WHERE id = ?`).run(...values, id)
        : this.db.prepare(`UPDATE runs SET ${sets} WHERE id = ? AND owner = ?`).run(...values, id, owner);
      if (info.changes === 0) return false;
      if (patch.status) this.appendEvent(id, 'run', { status: patch.status, stopReason: patch.stopReason ?? null });
      return true;
    }).immediate();
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? rowToRun(row) : undefined;
  }

  /** A run id from an exact id, a unique prefix, or `latest`. */
  resolveRunId(ref: string): string {
    if (ref === 'latest' || ref === 'last') {
      const row = this.db.prepare('SELECT id FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as { id: string } | undefined;
      if (row) return row.id;
    } else {
      if (this.getRun(ref)) return ref;
      const rows = this.db
        .prepare("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at DESC, rowid DESC LIMIT 11")
        .all(`${ref.replace(/[\\%_]/g, '\\$&')}%`) as { id: string }[];
      if (rows.length === 1 && rows[0]) return rows[0].id;
      if (rows.length > 1) {
        throw new MetaorchError('USAGE', `'${ref}' matches several runs (${rows.slice(0, 10).map((r) => r.id).join(', ')}); give more of the id.`);
      }
    }
    const known = (this.db.prepare('SELECT id FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 11').all() as { id: string }[]).map((r) => r.id);
    throw new RunNotFoundError(ref, known);
  }

  listRuns(): RunListing[] {
    const rows = this.db
      .prepare(`SELECT r.*,
                  (SELECT COUNT(*) FROM trials t WHERE t.run_id = r.id) AS trials,
                  (SELECT COUNT(*) FROM trials t WHERE t.run_id = r.id AND t.status != 'scheduled') AS finished,
                  (SELECT COUNT(*) FROM trials t WHERE t.run_id = r.id AND t.status = 'error') AS errors,
                  (SELECT COALESCE(SUM(cost), 0) FROM trials t WHERE t.run_id = r.id) AS cost,
                  (SELECT COUNT(*) FROM trials t WHERE t.run_id = r.id AND t.status != 'scheduled' AND t.cost IS NULL) AS costUnknown
                FROM runs r ORDER BY r.created_at DESC, r.rowid DESC`)
      .all() as (RunRow & { trials: number; finished: number; errors: number; cost: number; costUnknown: number })[];
    return rows.map((r) => ({ ...rowToRun(r), trials: r.trials, finished: r.finished, errors: r.errors, cost: r.cost, costUnknown: r.costUnknown }));
  }

  /**
   * Each run's best variant by mean score (ties: the higher pass rate), in one aggregate query, so
   * listing runs stays fast however many trials they hold. The full report uses the same rule.
   */
  bestVariants(): Map<string, { variantId: string; meanScore: number }> {
    const rows = this.db
      .prepare(`SELECT run_id AS runId, variant_id AS variantId, AVG(score) AS meanScore, AVG(passed) AS passRate
                FROM trials WHERE status = 'ok' AND score IS NOT NULL GROUP BY run_id, variant_id`)
      .all() as { runId: string; variantId: string; meanScore: number; passRate: number | null }[];
    const best = new Map<string, { variantId: string; meanScore: number; passRate: number }>();
    for (const r of rows) {
      const current = best.get(r.runId);
      const passRate = r.passRate ?? 0;
      if (!current || r.meanScore > current.meanScore || (r.meanScore === current.meanScore && passRate > current.passRate)) {
        best.set(r.runId, { variantId: r.variantId, meanScore: r.meanScore, passRate });
      }
    }
    return best;
  }

  /** The experiment as it was validated when the run was created (not re-read from its file). */
  loadExperiment(id: string): Experiment {
    return { ...this.loadExperimentConfig(id), tasks: this.loadTasks(id) };
  }

  /** The stored experiment without its tasks (which may be many). */
  loadExperimentConfig(id: string): Omit<Experiment, 'tasks'> {
    const row = this.db.prepare('SELECT config FROM runs WHERE id = ?').get(id) as { config: string } | undefined;
    if (!row) throw new RunNotFoundError(id, []);
    const defaults = { objective: { score: 1, error: 0 }, snapshotEvery: 100 };
    return { ...defaults, ...(JSON.parse(row.config) as Omit<Experiment, 'tasks'>) };
  }

  loadTasks(id: string): Task[] {
    const rows = this.db.prepare('SELECT id, input, expected, metadata FROM tasks WHERE run_id = ? ORDER BY idx').all(id) as {
      id: string; input: string; expected: string | null; metadata: string | null;
    }[];
    return rows.map((r) => {
      const task: Task = { id: r.id, input: JSON.parse(r.input) as Record<string, unknown> };
      if (r.expected !== null) task.expected = JSON.parse(r.expected);
      if (r.metadata !== null) task.metadata = JSON.parse(r.metadata) as Record<string, unknown>;
      return task;
    });
  }

  /** One bit per seq: set when that trial's result is recorded. */
  finishedBitmap(id: string, size: number): Uint8Array {
    const bits = new Uint8Array(Math.ceil(size / 8));
    const rows = this.db.prepare("SELECT seq FROM trials WHERE run_id = ? AND status != 'scheduled'").raw().iterate(id) as Iterable<[number]>;
    for (const [seq] of rows) if (seq < size) bits[seq >> 3]! |= 1 << (seq & 7);
    return bits;
  }

  /** What an adaptive scheduler replays on resume: finished trials in the order they finished. */
  adaptiveHistory(id: string): AdaptiveHistory {
    const finished = this.db
      .prepare(`SELECT seq, variant_id AS variantId, status, score, COALESCE(cost, 0) AS cost, COALESCE(latency_ms, 0) AS latencyMs, reward
                FROM trials WHERE run_id = ? AND status != 'scheduled' ORDER BY finished_at, seq`)
      .iterate(id) as Iterable<FinishedTrial>;
    const unfinished = this.db
      .prepare("SELECT seq, variant_id AS variantId, task_idx AS taskIdx, repeat FROM trials WHERE run_id = ? AND status = 'scheduled' ORDER BY seq")
      .all(id) as PendingTrial[];
    const max = this.db.prepare('SELECT MAX(seq) AS m FROM trials WHERE run_id = ?').get(id) as { m: number | null };
    return { finished, unfinished, nextSeq: max.m === null ? 0 : max.m + 1 };
  }

  runTotals(id: string): RunTotals {
    return this.db
      .prepare(`SELECT COUNT(*) AS finished, COALESCE(SUM(status = 'error'), 0) AS errors, COALESCE(SUM(cost), 0) AS cost
                FROM trials WHERE run_id = ? AND status != 'scheduled'`)
      .get(id) as RunTotals;
  }

  /** Trials scheduled before a stop or crash whose result was never recorded. */
  unfinishedTrials(id: string): TrialRecord[] {
    return this.queryTrials("WHERE t.run_id = ? AND t.status = 'scheduled' ORDER BY t.seq", [id]);
  }

  *iterateTrials(id: string, where = '', params: unknown[] = []): Generator<TrialRecord> {
    const sql = `SELECT t.*, k.id AS task_id FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
                 WHERE t.run_id = ? ${where} ORDER BY t.seq`;
    for (const row of this.db.prepare(sql).iterate(id, ...params) as Iterable<TrialRow>) yield rowToTrial(row);
  }

  getTrial(id: string, seq: number): TrialRecord | undefined {
    return this.queryTrials('WHERE t.run_id = ? AND t.seq = ?', [id, seq])[0];
  }

  appendEvent(runId: string, type: string, data: unknown): number {
    const info = this.db.prepare('INSERT INTO events (run_id, ts, type, data) VALUES (?, ?, ?, ?)').run(runId, Date.now(), type, JSON.stringify(data));
    return Number(info.lastInsertRowid);
  }

  defineTask(runId: string, idx: number, task: Task): void {
    this.db
      .prepare('INSERT OR REPLACE INTO tasks (run_id, idx, id, input, expected, metadata) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, idx, task.id, JSON.stringify(task.input), task.expected === undefined ? null : JSON.stringify(task.expected), task.metadata ? JSON.stringify(task.metadata) : null);
  }

  workflowHistory(name: string, exceptRun: string): WorkflowTrial[] {
    return this.db
      .prepare(`SELECT t.run_id AS runId, k.id AS taskId, COALESCE(json_extract(k.input, '$.kind'), '') AS kind, t.variant_id AS variantId,
                  t.status, t.score, t.reward
                FROM runs r JOIN trials t ON t.run_id = r.id JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
                WHERE r.mode = 'workflow' AND r.name = ? AND r.id != ? AND t.status != 'scheduled'
                ORDER BY r.created_at, t.finished_at, t.seq`)
      .all(name, exceptRun) as WorkflowTrial[];
  }

  workflowEvents(name: string, type: string, exceptRun: string): EventRecord[] {
    const rows = this.db
      .prepare(`SELECT e.* FROM runs r JOIN events e ON e.run_id = r.id
                WHERE r.mode = 'workflow' AND r.name = ? AND r.id != ? AND e.type = ? ORDER BY e.seq`)
      .all(name, exceptRun, type) as { seq: number; run_id: string; ts: number; type: string; data: string }[];
    return rows.map((r) => ({ seq: r.seq, runId: r.run_id, ts: r.ts, type: r.type, data: JSON.parse(r.data) as unknown }));
  }

  eventsSince(afterSeq: number, runId?: string, limit = 1000): EventRecord[] {
    const rows = (runId
      ? this.db.prepare('SELECT * FROM events WHERE seq > ? AND run_id = ? ORDER BY seq LIMIT ?').all(afterSeq, runId, limit)
      : this.db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit)) as {
      seq: number; run_id: string; ts: number; type: string; data: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, runId: r.run_id, ts: r.ts, type: r.type, data: JSON.parse(r.data) as unknown }));
  }

  trialWriter(runId: string, options: TrialWriterOptions | ((seqs: number[]) => void) = {}): TrialWriter {
    return new TrialWriter(this.db, runId, typeof options === 'function' ? { onFlush: options } : options);
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  private queryTrials(where: string, params: unknown[]): TrialRecord[] {
    const sql = `SELECT t.*, k.id AS task_id FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx ${where}`;
    return (this.db.prepare(sql).all(...params) as TrialRow[]).map(rowToTrial);
  }
}
