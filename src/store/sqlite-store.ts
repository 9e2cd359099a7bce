import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from './database.js';
import type { Experiment } from '../config/experiment.js';
import { DiskFullError, isDiskFull, RunNotFoundError, StoreError } from '../model/errors.js';
import type { Task } from '../model/task.js';
import { storedRow, storedRowsOf } from '../tasks/stored-row.js';
import type { TaskList } from '../tasks/task-list.js';
import { mayTakeOver, newOwner, type ClaimOptions, type ClaimResult, type RunHolder, type RunOwner } from './claim.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from './checkpointer.js';
import { sqliteControllerLog, type ControllerLog } from './controller-log.js';
import { migrate } from './migrations.js';
import type { AdaptiveHistory, EventRecord, FinishedTrial, PendingTrial, RunRecord, RunStats, WorkflowTrial } from './records.js';
import { SqliteRunQueries } from './sqlite-run-queries.js';
import type { RunPatch, RunTotals, Store, TrialWriterOptions } from './store.js';
import { TrialWriter } from './trial-writer.js';

export type { RunPatch } from './store.js';

export const DEFAULT_DB = '.metaorch/metaorch.db';
/** Tasks per INSERT statement when a run is created. */
const TASK_ROWS = 64;

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
  private reads: SqliteRunQueries | undefined;
  private log: ControllerLog | undefined;
  private stopCheckpointer: (() => void) | null = null;

  private constructor(readonly db: Database.Database, readonly path: string) {}

  /** The controller's decision log, commands and replay history. */
  get controller(): ControllerLog {
    return (this.log ??= sqliteControllerLog(this.db, (runId, type, data) => this.appendEvent(runId, type, data)));
  }

  /**
   * `checkpointer`: checkpoint the WAL on a worker thread (see checkpointer.ts), for the processes
   * that write for long (a run, the orchestrator, the gateway); short commands keep SQLite's default.
   */
  static open(path: string, options: { readonly?: boolean; checkpointer?: boolean } = {}): SqliteStore {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const db = openDatabase(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
      db.pragma('busy_timeout = 5000');
      if (!options.readonly) {
        enableWal(db);
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db);
      }
      const store = new SqliteStore(db, path);
      if (options.checkpointer && !options.readonly && path !== ':memory:') {
        db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
        store.stopCheckpointer = startCheckpointer(path);
      }
      return store;
    } catch (e) {
      if (e instanceof StoreError) throw e;
      if (isDiskFull(e)) throw new DiskFullError(`disk full: cannot open the store at ${path}; free space and try again.`, undefined, { cause: e });
      throw new StoreError(`Cannot open the store at ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  close(): void {
    // The checkpointer closes first, so this connection's close is the last: it checkpoints what is
    // left and removes the WAL, as without one.
    this.stopCheckpointer?.();
    this.stopCheckpointer = null;
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
      this.insertTasks(id, tasks);
      this.appendEvent(id, 'run', { status: 'running', name: experiment.name, planned });
    })();
  }

  /**
   * The tasks, TASK_ROWS to a statement: a dataset of millions streams through without being held.
   * The run id is bound once per statement (@run), and the rest as spread arguments, last: see
   * TrialWriter.writeBatch (each string better-sqlite3 binds is also converted and copied).
   */
  private insertTasks(runId: string, tasks: TaskList): void {
    const statements = new Map<number, Database.Statement>();
    const insert = (rows: number) => {
      let statement = statements.get(rows);
      if (!statement) {
        const values = Array.from({ length: rows }, () => '(@run, ?, ?, ?, ?, ?)').join(', ');
        statements.set(rows, (statement = this.db.prepare(`INSERT INTO tasks (run_id, idx, id, input, expected, metadata) VALUES ${values}`)));
      }
      return statement;
    };
    const named = { run: runId };
    const chunk = new Array<unknown>(TASK_ROWS * 5);
    let k = 0;
    let idx = 0;
    for (const [id, input, expected, metadata] of storedRowsOf(tasks)) {
      chunk[k++] = idx++;
      chunk[k++] = id;
      chunk[k++] = input;
      chunk[k++] = expected;
      chunk[k++] = metadata;
      if (k === chunk.length) {
        insert(TASK_ROWS).run(named, ...chunk);
        k = 0;
      }
    }
    if (k) insert(k / 5).run(named, ...chunk.slice(0, k));
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
    return this.queries().getRun(id);
  }

  /** A run id from an exact id, a unique prefix, or `latest`. */
  resolveRunId(ref: string): string {
    return this.queries().resolveRunId(ref);
  }

  /** The read side over this store's connection. */
  queries(): SqliteRunQueries {
    return (this.reads ??= new SqliteRunQueries(this.db));
  }

  /** Saves a run's final totals (null: forgets them, when the run resumes). */
  saveRunStats(runId: string, stats: RunStats | null): void {
    if (stats === null) this.db.prepare('DELETE FROM run_stats WHERE run_id = ?').run(runId);
    else this.db.prepare('INSERT OR REPLACE INTO run_stats (run_id, data) VALUES (?, ?)').run(runId, JSON.stringify(stats));
  }

  /** The experiment as it was validated when the run was created (not re-read from its file); its tasks are read as needed. */
  loadExperiment(id: string): Experiment {
    const queries = this.queries();
    return { ...queries.runConfig(id), tasks: queries.tasks(id) };
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

  appendEvent(runId: string, type: string, data: unknown): number {
    const info = this.db.prepare('INSERT INTO events (run_id, ts, type, data) VALUES (?, ?, ?, ?)').run(runId, Date.now(), type, JSON.stringify(data));
    return Number(info.lastInsertRowid);
  }

  defineTask(runId: string, idx: number, task: Task): void {
    this.db
      .prepare('INSERT OR REPLACE INTO tasks (run_id, idx, id, input, expected, metadata) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, idx, ...storedRow(task));
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
    return this.queries().workflowEvents(name, type, exceptRun);
  }

  trialWriter(runId: string, options: TrialWriterOptions | ((seqs: number[]) => void) = {}): TrialWriter {
    return new TrialWriter(this.db, runId, typeof options === 'function' ? { onFlush: options } : options);
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }
}
