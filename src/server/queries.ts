/**
 * Read-only SQL over the store for the API: run rows, trial pages, single trials, events, decisions.
 * Every query is bounded (LIMIT, keyset cursors on seq) and uses the primary key or an index.
 */
import type { Database } from 'better-sqlite3';
import { rowToRun, type RunRow as StoreRunRow } from '../store/rows.js';
import { sqliteControllerLog } from '../store/controller-log.js';
import type { DecisionRecord, RunRecord } from '../store/records.js';
import { summariseDecisions } from '../report/decisions.js';
import type { Decision, DecisionsResponse, DisplayStatus, EventItem, TrialBrief, TrialDetail, TrialPage } from './api-types.js';

export function getRunRecord(db: Database, id: string): RunRecord | undefined {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as StoreRunRow | undefined;
  return row ? rowToRun(row) : undefined;
}

export function allRunRecords(db: Database): RunRecord[] {
  return (db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as StoreRunRow[]).map(rowToRun);
}

/** A run marked running whose process is gone was killed: it shows as such (and can be resumed). */
export function displayStatus(run: RunRecord): DisplayStatus {
  if (run.status !== 'running' || run.pid === null) return run.status;
  return isAlive(run.pid) ? 'running' : 'killed';
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lastRunEventSeq(db: Database, runId: string): number {
  return (db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?').pluck().get(runId) as number) ?? 0;
}

/** One past the highest seq of the run's trials: its size, from the primary key. */
export function trialSpan(db: Database, runId: string): number {
  return ((db.prepare('SELECT MAX(seq) FROM trials WHERE run_id = ?').pluck().get(runId) as number | null) ?? -1) + 1;
}

/** Finished and errored trials, from the (run, variant, status) index. */
export function trialCounts(db: Database, runId: string): { finished: number; errors: number } {
  const row = db
    .prepare(`SELECT COALESCE(SUM(status != 'scheduled'), 0) AS finished, COALESCE(SUM(status = 'error'), 0) AS errors FROM trials WHERE run_id = ?`)
    .get(runId) as { finished: number; errors: number };
  return row;
}

const BRIEF = `t.seq, t.variant_id, k.id AS task_id, t.status, t.score, t.passed, t.latency_ms, t.cost, t.attempt_count, t.error_kind,
  substr(t.output, 1, 160) AS output, t.started_at, t.finished_at
  FROM trials t LEFT JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx`;

interface BriefRow {
  seq: number; variant_id: string; task_id: string | null; status: string; score: number | null; passed: number | null;
  latency_ms: number | null; cost: number | null; attempt_count: number | null; error_kind: string | null; output: string | null;
  started_at: number | null; finished_at: number | null;
}

function toBrief(r: BriefRow): TrialBrief {
  return {
    seq: r.seq, variantId: r.variant_id, taskId: r.task_id ?? '?', status: r.status as TrialBrief['status'], score: r.score,
    passed: r.passed === null ? null : r.passed === 1, latencyMs: r.status === 'scheduled' ? null : r.latency_ms, cost: r.status === 'scheduled' ? 0 : r.cost,
    attempts: r.attempt_count ?? 0, errorKind: r.error_kind, outputPreview: r.output, startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

/** Finished trials among `seqs` (the newest `limit`), for the live feed. */
export function briefsBySeqs(db: Database, runId: string, seqs: readonly number[], limit = 50): TrialBrief[] {
  if (seqs.length === 0) return [];
  const newest = [...seqs].sort((a, b) => b - a).slice(0, limit);
  const rows = db
    .prepare(`SELECT ${BRIEF} WHERE t.run_id = ? AND t.seq IN (SELECT value FROM json_each(?)) AND t.status != 'scheduled' ORDER BY t.seq DESC`)
    .all(runId, JSON.stringify(newest)) as BriefRow[];
  return rows.map(toBrief);
}

/** The most recently scheduled finished trials. */
export function recentTrials(db: Database, runId: string, limit = 50): TrialBrief[] {
  return (db.prepare(`SELECT ${BRIEF} WHERE t.run_id = ? AND t.status != 'scheduled' ORDER BY t.seq DESC LIMIT ?`).all(runId, limit) as BriefRow[]).map(toBrief);
}

/** Trials in flight: scheduled, not finished (meaningful while the run is running). */
export function inflightTrials(db: Database, runId: string, variants: readonly string[], limit = 200): TrialBrief[] {
  const stmt = db.prepare(`SELECT ${BRIEF} WHERE t.run_id = ? AND t.variant_id = ? AND t.status = 'scheduled' ORDER BY t.seq DESC LIMIT ?`);
  const rows = variants.flatMap((v) => stmt.all(runId, v, limit) as BriefRow[]);
  return rows.map(toBrief).sort((a, b) => b.seq - a.seq).slice(0, limit);
}

export interface TrialFilter {
  variant?: string;
  status?: 'ok' | 'error' | 'scheduled';
  minScore?: number;
  maxScore?: number;
  q?: string;
  before?: number;
  after?: number;
  order: 'asc' | 'desc';
  limit: number;
}

/**
 * A page of trials, newest first by default, with a keyset cursor. `total` is counted only without a
 * text or score filter (an index count); a text search over a huge run scans until the page is full.
 *
 * @example
 * trialPage(db, runId, { variant: 'careful', status: 'error', order: 'desc', limit: 50 });
 */
export function trialPage(db: Database, runId: string, f: TrialFilter): TrialPage {
  const where = ['t.run_id = ?'];
  const params: unknown[] = [runId];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (f.variant) add('t.variant_id = ?', f.variant);
  if (f.status) add('t.status = ?', f.status);
  const counted = [...where];
  const countParams = [...params];
  if (f.minScore !== undefined) add('t.score >= ?', f.minScore);
  if (f.maxScore !== undefined) add('t.score <= ?', f.maxScore);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, '\\$&')}%`;
    where.push("(k.id LIKE ? ESCAPE '\\' OR t.output LIKE ? ESCAPE '\\' OR t.prompt LIKE ? ESCAPE '\\' OR t.error LIKE ? ESCAPE '\\')");
    params.push(like, like, like, like);
  }
  if (f.before !== undefined) add('t.seq < ?', f.before);
  if (f.after !== undefined) add('t.seq > ?', f.after);
  const rows = db
    .prepare(`SELECT ${BRIEF} WHERE ${where.join(' AND ')} ORDER BY t.seq ${f.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`)
    .all(...params, f.limit + 1) as BriefRow[];
  const more = rows.length > f.limit;
  const trials = rows.slice(0, f.limit).map(toBrief);
  const cheap = !f.q && f.minScore === undefined && f.maxScore === undefined;
  const total = cheap
    ? (db.prepare(`SELECT COUNT(*) FROM trials t WHERE ${counted.join(' AND ')}`).pluck().get(...countParams) as number)
    : null;
  return { trials, next: more ? (trials[trials.length - 1]?.seq ?? null) : null, total };
}

export function trialDetail(db: Database, runId: string, seq: number): TrialDetail | undefined {
  const r = db
    .prepare(`SELECT t.*, k.id AS task_id, k.input AS task_input, k.expected AS task_expected, k.metadata AS task_metadata
              FROM trials t LEFT JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx WHERE t.run_id = ? AND t.seq = ?`)
    .get(runId, seq) as Record<string, unknown> | undefined;
  if (!r) return undefined;
  const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : null);
  const error = r['error'] ? (JSON.parse(r['error'] as string) as { message?: string }) : null;
  return {
    seq: r['seq'] as number, variantId: r['variant_id'] as string, status: r['status'] as TrialDetail['status'],
    repeat: r['repeat'] as number, seed: r['seed'] as number,
    task: { id: (r['task_id'] as string | null) ?? '?', input: json(r['task_input']), expected: json(r['task_expected']), metadata: json(r['task_metadata']) },
    prompt: r['prompt'] as string | null, output: r['output'] as string | null, score: r['score'] as number | null,
    passed: r['passed'] === null || r['passed'] === undefined ? null : r['passed'] === 1,
    scores: (json(r['scores']) ?? []) as TrialDetail['scores'], attempts: (json(r['attempts']) ?? []) as TrialDetail['attempts'],
    latencyMs: r['latency_ms'] as number | null, tokensIn: r['tokens_in'] as number | null, tokensOut: r['tokens_out'] as number | null,
    cost: r['status'] === 'scheduled' ? 0 : (r['cost'] as number | null), reward: (r['reward'] as number | null | undefined) ?? null,
    errorKind: r['error_kind'] as string | null, error: error?.message ?? null,
    scheduledAt: r['scheduled_at'] as number, startedAt: r['started_at'] as number | null, finishedAt: r['finished_at'] as number | null,
  };
}

interface EventRow {
  seq: number;
  run_id: string;
  ts: number;
  type: string;
  data: string;
}

export const toEvent = (r: EventRow): EventItem => ({ seq: r.seq, runId: r.run_id, ts: r.ts, type: r.type, data: JSON.parse(r.data) as unknown });

/** Events after `after`, of one run (or all runs), optionally of some types only. */
export function eventsAfter(db: Database, after: number, runId: string | null, limit: number, upTo = Number.MAX_SAFE_INTEGER, types?: readonly string[]): EventItem[] {
  const where = ['seq > ?', 'seq <= ?'];
  const params: unknown[] = [after, upTo];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (runId) add('run_id = ?', runId);
  if (types?.length) add(`type IN (${types.map(() => '?').join(', ')})`, ...types);
  return (db.prepare(`SELECT seq, run_id, ts, type, data FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(...params, limit) as EventRow[]).map(toEvent);
}

const STOP_TYPES = ['decision', 'stop'];

/**
 * Decisions of a run, oldest first: the controller's decision log (with evidence, validation and what
 * undid each one) and an adaptive run's stopping decision (a `decision` event), merged by time.
 */
export function decisions(db: Database, runId: string): DecisionsResponse {
  const rows = db
    .prepare(`SELECT seq, run_id, ts, type, data FROM events WHERE run_id = ? AND type IN (${STOP_TYPES.map(() => '?').join(', ')}) ORDER BY seq LIMIT 200`)
    .all(runId, ...STOP_TYPES) as EventRow[];
  const list: Decision[] = rows.map(toEvent).map((e) => ({ seq: e.seq, ts: e.ts, kind: (e.data as { kind?: string } | null)?.kind ?? e.type, summary: summarise(e.data), data: e.data }));
  const log = controllerDecisions(db, runId);
  for (const d of log) {
    list.push({
      seq: d.id, ts: d.time, kind: d.kind, summary: d.reason, data: d, id: d.id, atTrial: d.atTrial, target: d.target, source: d.source,
      validation: d.validation.status, undoneBy: d.undoneBy,
    });
  }
  list.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  const config = db.prepare('SELECT config FROM runs WHERE id = ?').pluck().get(runId) as string | undefined;
  const controlled = config !== undefined && (JSON.parse(config) as { controller?: unknown }).controller !== undefined;
  const note = list.length
    ? 'Decisions of this run, oldest first: the controller\'s log with its evidence, and the stopping rule of an adaptive run.'
    : controlled
      ? 'The controller has taken no decision in this run.'
      : 'This run has no controller (add `controller: {}` to the experiment) and no stopping decision.';
  return { decisions: list, note, summary: controlled ? summariseDecisions(log) : null };
}

function controllerDecisions(db: Database, runId: string): DecisionRecord[] {
  return sqliteControllerLog(db, () => 0).list(runId);
}

function summarise(data: unknown): string {
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    for (const key of ['summary', 'reason', 'action', 'message']) if (typeof d[key] === 'string') return d[key];
    if (typeof d['best'] === 'string') {
      const kind = typeof d['kind'] === 'string' ? `${d['kind']}: ` : '';
      const evidence = typeof d['statistic'] === 'number' && typeof d['threshold'] === 'number'
        ? ` (statistic ${d['statistic'].toFixed(2)} over threshold ${d['threshold'].toFixed(2)}${typeof d['confidence'] === 'number' ? `, ${Math.round(d['confidence'] * 100)}% confidence` : ''})`
        : '';
      return `${kind}best variant ${d['best']}${evidence}`;
    }
  }
  return JSON.stringify(data).slice(0, 200);
}
