import type { Database } from 'better-sqlite3';
import type { ControllerCommand, ControllerTrial, DecisionRecord } from './records.js';


/**
 * The store side of the controller: its decision log, the commands people send it, and the history
 * it replays on resume. One small interface, so the controller shell, `metaorch decisions` / `undo`,
 * the dashboard and other subsystems that escalate (workflows) share one log.
 *
 * @example
 * store.controller.record(runId, decision);
 * store.controller.list(runId);
 */
export interface ControllerLog {
  /** Appends a decision (its id chosen by the caller), with a `controller` event for live views. */
  record(runId: string, decision: DecisionRecord): void;
  /**
   * Appends a decision from outside the controller (a workflow's escalation) under the next free id.
   * A live controller of the same run keeps its own numbering, so use it for runs without one.
   */
  append(runId: string, decision: Omit<DecisionRecord, 'id'>): DecisionRecord;
  update(runId: string, id: number, patch: { validation?: DecisionRecord['validation']; undoneBy?: number; delivery?: unknown }): void;
  list(runId: string): DecisionRecord[];
  get(runId: string, id: number): DecisionRecord | undefined;
  /** Finished trials in the order they finished, with what the controller's detectors read. */
  history(runId: string): Iterable<ControllerTrial>;
  requestUndo(runId: string, decision: number, reason: string): ControllerCommand;
  /** Commands not applied yet, oldest first. */
  pendingCommands(runId: string): ControllerCommand[];
  /** Commands applied (or refused) so far, in the order they were applied. */
  doneCommands(runId: string): ControllerCommand[];
  completeCommand(runId: string, id: number, result: string, atTrial: number | null): void;
  /** Replaces the run's snapshot of the controller's metric windows. */
  saveMetrics(runId: string, time: number, snapshot: unknown): void;
  /** The latest snapshot of every run that has one. */
  latestMetrics(): { runId: string; time: number; snapshot: unknown }[];
}

interface DecisionRow {
  id: number; ts: number; at_trial: number; from_seq: number; kind: string; target: string; reason: string; detector: string | null;
  evidence: string | null; change: string | null; validation: string; undoes: number | null; undone_by: number | null; source: string;
  escalate: number; delivery: string | null; recorded_at: number;
}

interface CommandRow {
  id: number; kind: string; decision: number; reason: string; requested_at: number; done_at: number | null; at_trial: number | null; result: string | null;
}

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

function toDecision(r: DecisionRow): DecisionRecord {
  return {
    id: r.id, kind: r.kind, target: r.target, reason: r.reason, detector: r.detector, evidence: parse(r.evidence), change: parse(r.change),
    atTrial: r.at_trial, time: r.ts, fromSeq: r.from_seq, validation: JSON.parse(r.validation) as DecisionRecord['validation'],
    undoes: r.undoes, undoneBy: r.undone_by, source: r.source, escalate: r.escalate === 1, delivery: parse(r.delivery), recordedAt: r.recorded_at,
  };
}

function toCommand(r: CommandRow): ControllerCommand {
  return { id: r.id, kind: 'undo', decision: r.decision, reason: r.reason, requestedAt: r.requested_at, doneAt: r.done_at, atTrial: r.at_trial, result: r.result };
}

/**
 * The SQLite implementation (tables `decisions` and `controller_commands`). Each write is its own
 * small transaction with its event; decisions are rare, so nothing is batched.
 *
 * @example
 * const log = sqliteControllerLog(db, (runId, type, data) => store.appendEvent(runId, type, data));
 */
export function sqliteControllerLog(db: Database, appendEvent: (runId: string, type: string, data: unknown) => number): ControllerLog {
  const insert = db.prepare(`INSERT OR IGNORE INTO decisions (run_id, id, ts, at_trial, from_seq, kind, target, reason, detector, evidence, change,
      validation_status, validation, undoes, undone_by, source, escalate, delivery, recorded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const summary = (d: DecisionRecord) => ({ id: d.id, kind: d.kind, target: d.target, reason: d.reason, atTrial: d.atTrial, validation: d.validation.status, source: d.source });
  const write = (runId: string, d: DecisionRecord): void => {
    const info = insert.run(
      runId, d.id, d.time, d.atTrial, d.fromSeq, d.kind, d.target, d.reason, d.detector, d.evidence === null || d.evidence === undefined ? null : JSON.stringify(d.evidence),
      d.change === null || d.change === undefined ? null : JSON.stringify(d.change), d.validation.status, JSON.stringify(d.validation), d.undoes, d.undoneBy,
      d.source, d.escalate ? 1 : 0, d.delivery === undefined || d.delivery === null ? null : JSON.stringify(d.delivery), Date.now(),
    );
    if (info.changes > 0) appendEvent(runId, 'controller', { action: 'decision', ...summary(d) });
  };
  return {
    record: db.transaction((runId: string, d: DecisionRecord) => write(runId, d)),
    append: db.transaction((runId: string, d: Omit<DecisionRecord, 'id'>): DecisionRecord => {
      const max = db.prepare('SELECT COALESCE(MAX(id), 0) FROM decisions WHERE run_id = ?').pluck().get(runId) as number;
      const full: DecisionRecord = { ...d, id: max + 1 };
      write(runId, full);
      return full;
    }),
    update: db.transaction((runId: string, id: number, patch: { validation?: DecisionRecord['validation']; undoneBy?: number; delivery?: unknown }) => {
      const sets: string[] = [];
      const values: unknown[] = [];
      const set = (column: string, value: unknown) => {
        sets.push(`${column} = ?`);
        values.push(value);
      };
      if (patch.validation) {
        set('validation_status', patch.validation.status);
        set('validation', JSON.stringify(patch.validation));
      }
      if (patch.undoneBy !== undefined) set('undone_by', patch.undoneBy);
      if (patch.delivery !== undefined) set('delivery', JSON.stringify(patch.delivery));
      if (!sets.length) return;
      const info = db.prepare(`UPDATE decisions SET ${sets.join(', ')} WHERE run_id = ? AND id = ?`).run(...values, runId, id);
      if (info.changes > 0) {
        appendEvent(runId, 'controller', {
          action: 'update', id, ...(patch.validation ? { validation: patch.validation.status } : {}),
          ...(patch.undoneBy !== undefined ? { undoneBy: patch.undoneBy } : {}), ...(patch.delivery !== undefined ? { delivery: patch.delivery } : {}),
        });
      }
    }),
    list: (runId) => (db.prepare('SELECT * FROM decisions WHERE run_id = ? ORDER BY id').all(runId) as DecisionRow[]).map(toDecision),
    get: (runId, id) => {
      const row = db.prepare('SELECT * FROM decisions WHERE run_id = ? AND id = ?').get(runId, id) as DecisionRow | undefined;
      return row ? toDecision(row) : undefined;
    },
    history: (runId) =>
      db
        .prepare(`SELECT seq, variant_id AS variantId, status, error_kind AS errorKind, score, reward, COALESCE(latency_ms, 0) AS latencyMs,
                    cost, COALESCE(attempt_count, 1) AS attempts, COALESCE(finished_at, 0) AS finishedAt,
                    CASE WHEN attempts IS NOT NULL AND instr(attempts, '"variant"') > 0 AND instr(attempts, '"error"') > 0 THEN attempts END AS movedAttempts
                  FROM trials WHERE run_id = ? AND status != 'scheduled' ORDER BY finished_at, seq`)
        .iterate(runId) as Iterable<ControllerTrial>,
    requestUndo: (runId, decision, reason) => {
      const now = Date.now();
      const info = db.prepare('INSERT INTO controller_commands (run_id, kind, decision, reason, requested_at) VALUES (?, ?, ?, ?, ?)').run(runId, 'undo', decision, reason, now);
      return { id: Number(info.lastInsertRowid), kind: 'undo', decision, reason, requestedAt: now, doneAt: null, atTrial: null, result: null };
    },
    pendingCommands: (runId) =>
      (db.prepare('SELECT * FROM controller_commands WHERE run_id = ? AND done_at IS NULL ORDER BY id').all(runId) as CommandRow[]).map(toCommand),
    doneCommands: (runId) =>
      (db.prepare('SELECT * FROM controller_commands WHERE run_id = ? AND done_at IS NOT NULL ORDER BY done_at, id').all(runId) as CommandRow[]).map(toCommand),
    completeCommand: (runId, id, result, atTrial) => {
      db.prepare('UPDATE controller_commands SET done_at = ?, result = ?, at_trial = ? WHERE run_id = ? AND id = ?').run(Date.now(), result, atTrial, runId, id);
    },
    saveMetrics: (runId, time, snapshot) => {
      db.prepare('INSERT INTO controller_metrics (run_id, ts, data) VALUES (?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET ts = excluded.ts, data = excluded.data')
        .run(runId, time, JSON.stringify(snapshot));
    },
    latestMetrics: () =>
      (db.prepare('SELECT run_id, ts, data FROM controller_metrics ORDER BY run_id').all() as { run_id: string; ts: number; data: string }[]).map((r) => ({
        runId: r.run_id, time: r.ts, snapshot: JSON.parse(r.data) as unknown,
      })),
  };
}
