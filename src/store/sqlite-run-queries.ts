import type Database from 'better-sqlite3';
import type { Experiment } from '../config/experiment.js';
import { MetaorchError, RunNotFoundError } from '../model/errors.js';
import type { Task } from '../model/task.js';
import { renderPrompt } from '../tasks/template.js';
import type { EventRecord, RunListing, RunRecord, RunStats, TrialRecord, VariantSums } from './records.js';
import { RUN_STATS_VERSION } from './records.js';
import { rowToRun, rowToTrial, type RunRow, type TrialRow } from './rows.js';
import { SqliteStore } from './sqlite-store.js';
import type { EventQuery, RunQueries, SeqRange } from './run-queries.js';
import { parseTrialFormat, type TrialFormat } from './trial-format.js';

/**
 * Sums per variant. Errored trials carry no score and no pass (TrialOutcome), so only the counts need
 * the status; the kinds of errors come back as one short list (errors are rare).
 */
const SUMS = `variant_id, COUNT(*), SUM(status = 'error'), COUNT(score), TOTAL(score), TOTAL(score * score), COUNT(passed), TOTAL(passed),
  TOTAL(cost), TOTAL(tokens_in), TOTAL(tokens_out), TOTAL(attempt_count), COUNT(reward), TOTAL(reward),
  group_concat(CASE WHEN status = 'error' THEN COALESCE(error_kind, 'unknown') END, ',')`;

type SumsRow = [string, number, number, number, number, number, number, number, number, number, number, number, number, number, string | null];

/** One GROUP BY row of SUMS as VariantSums. */
export function sumsOfRow(row: SumsRow): VariantSums {
  const [variantId, finished, errors, ns, s, s2, judged, passes, cost, tokensIn, tokensOut, attempts, rewarded, rewardSum, kinds] = row;
  const errorsByKind: Record<string, number> = {};
  for (const kind of kinds ? kinds.split(',') : []) errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
  return { variantId, finished, errors, errorsByKind, ns, s, s2, judged, passes, cost, tokensIn, tokensOut, attempts, rewarded, rewardSum };
}

/** The SUMS aggregate as SQL, for the dashboard's per-seq live reads. */
export const SUMS_SQL = SUMS;

/**
 * The read side over one SQLite store (see RunQueries). Opens its own read-only connection, or reads
 * through a store's connection (`SqliteStore.queries()`).
 *
 * @example
 * const queries = SqliteRunQueries.open('.metaorch/metaorch.db');
 * for (const trial of queries.trials(runId)) console.log(trial.seq, trial.score);
 */
export class SqliteRunQueries implements RunQueries {
  constructor(readonly db: Database.Database, private readonly owned = false) {}

  /**
   * Opens the store for reading. The connection is the store's own (WAL: reading never blocks a run
   * writing), so a store written by an older version is brought to the current schema first.
   */
  static open(path: string): SqliteRunQueries {
    return new SqliteRunQueries(SqliteStore.open(path).db, true);
  }

  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? rowToRun(row) : undefined;
  }

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
    const rows = this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as RunRow[];
    const unfinished = this.db.prepare("SELECT COUNT(*) FROM trials WHERE run_id = ? AND status = 'scheduled'").pluck();
    const counts = this.db.prepare(`SELECT COUNT(*) AS trials, COALESCE(SUM(status != 'scheduled'), 0) AS finished,
      COALESCE(SUM(status = 'error'), 0) AS errors, TOTAL(cost) AS cost FROM trials WHERE run_id = ?`);
    return rows.map((r) => {
      const stats = r.status === 'running' ? null : this.savedStats(r.id);
      if (stats) {
        const finished = stats.variants.reduce((n, v) => n + v.finished, 0);
        return {
          ...rowToRun(r), trials: finished + (unfinished.get(r.id) as number), finished,
          errors: stats.variants.reduce((n, v) => n + v.errors, 0), cost: stats.variants.reduce((n, v) => n + v.cost, 0),
        };
      }
      const c = counts.get(r.id) as { trials: number; finished: number; errors: number; cost: number };
      return { ...rowToRun(r), ...c };
    });
  }

  runConfig(id: string): Omit<Experiment, 'tasks'> {
    const row = this.db.prepare('SELECT config FROM runs WHERE id = ?').get(id) as { config: string } | undefined;
    if (!row) throw new RunNotFoundError(id, []);
    const defaults = { objective: { score: 1, error: 0 }, snapshotEvery: 100 };
    return { ...defaults, ...(JSON.parse(row.config) as Omit<Experiment, 'tasks'>) };
  }

  *tasks(id: string): Generator<Task> {
    const rows = this.db.prepare('SELECT id, input, expected, metadata FROM tasks WHERE run_id = ? ORDER BY idx').iterate(id) as Iterable<TaskRow>;
    for (const r of rows) yield rowToTask(r);
  }

  savedStats(id: string): RunStats | null {
    const data = this.db.prepare('SELECT data FROM run_stats WHERE run_id = ?').pluck().get(id) as string | undefined;
    if (data === undefined) return null;
    const stats = JSON.parse(data) as RunStats;
    return stats.version === RUN_STATS_VERSION ? stats : null;
  }

  variantSums(id: string, range?: SeqRange): VariantSums[] {
    const rows = range
      ? this.db.prepare(`SELECT ${SUMS} FROM trials WHERE run_id = ? AND seq >= ? AND seq < ? AND status != 'scheduled' GROUP BY variant_id`).raw().all(id, range.from, range.to)
      : this.db.prepare(`SELECT ${SUMS} FROM trials WHERE run_id = ? AND status != 'scheduled' GROUP BY variant_id`).raw().all(id);
    return (rows as SumsRow[]).map(sumsOfRow);
  }

  latencies(id: string, threshold: number): Iterable<[string, number, number]> {
    const all = threshold >= 2 ** 32;
    return this.db
      .prepare(`SELECT variant_id, seq, latency_ms FROM trials WHERE run_id = ? AND status = 'ok' AND latency_ms IS NOT NULL
                ${all ? '' : 'AND (seq * 2654435761) % 4294967296 < ?'}`)
      .raw()
      .iterate(...(all ? [id] : [id, threshold])) as Iterable<[string, number, number]>;
  }

  scores(id: string): Iterable<[string, number, number]> {
    return this.db
      .prepare("SELECT variant_id, seq, score FROM trials WHERE run_id = ? AND status = 'ok' AND score IS NOT NULL ORDER BY seq")
      .raw()
      .iterate(id) as Iterable<[string, number, number]>;
  }

  *trials(id: string, options: { prompts?: boolean } = {}): Generator<TrialRecord> {
    const format = this.format(id);
    const prompt = options.prompts ? this.prompter(id) : null;
    const sql = `SELECT t.*, k.id AS task_id${prompt ? ', k.input AS task_input' : ''} FROM trials t
                 JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx WHERE t.run_id = ? ORDER BY t.seq`;
    for (const row of this.db.prepare(sql).iterate(id) as Iterable<TrialRow & { task_input?: string }>) {
      const trial = rowToTrial(row, format);
      if (prompt && trial.prompt === null && trial.status !== 'scheduled' && row.task_input !== undefined) {
        trial.prompt = prompt(trial.variantId, JSON.parse(row.task_input) as Record<string, unknown>);
      }
      yield trial;
    }
  }

  trial(id: string, seq: number): TrialRecord | undefined {
    const row = this.db
      .prepare(`SELECT t.*, k.id AS task_id, k.input AS task_input FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
                WHERE t.run_id = ? AND t.seq = ?`)
      .get(id, seq) as (TrialRow & { task_input: string }) | undefined;
    if (!row) return undefined;
    const trial = rowToTrial(row, this.format(id));
    if (trial.prompt === null && trial.status !== 'scheduled') trial.prompt = this.prompter(id)(trial.variantId, JSON.parse(row.task_input) as Record<string, unknown>);
    return trial;
  }

  eventsAfter(after: number, query: EventQuery = {}): EventRecord[] {
    const where = ['seq > ?', 'seq <= ?'];
    const params: unknown[] = [after, query.upTo ?? Number.MAX_SAFE_INTEGER];
    if (query.runId) {
      where.push('run_id = ?');
      params.push(query.runId);
    }
    if (query.types?.length) {
      where.push(`type IN (${query.types.map(() => '?').join(', ')})`);
      params.push(...query.types);
    }
    const rows = this.db
      .prepare(`SELECT seq, run_id, ts, type, data FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...params, query.limit ?? 1000) as EventRow[];
    return rows.map(toEvent);
  }

  lastEventSeq(runId?: string): number {
    const value = runId
      ? this.db.prepare('SELECT MAX(seq) FROM events WHERE run_id = ?').pluck().get(runId)
      : this.db.prepare('SELECT MAX(seq) FROM events').pluck().get();
    return (value as number | null) ?? 0;
  }

  /** How the run's compact rows expand. */
  format(id: string): TrialFormat {
    return parseTrialFormat(this.db.prepare('SELECT trial_format FROM runs WHERE id = ?').pluck().get(id) as string | null | undefined);
  }

  /** Renders the prompt a trial of the run was sent (when it was not stored). */
  prompter(id: string): (variantId: string, input: Record<string, unknown>) => string {
    const config = this.runConfig(id);
    const templates = new Map(config.variants.map((v) => [v.id, v.prompt ?? config.prompt]));
    return (variantId, input) => renderPrompt(templates.has(variantId) ? templates.get(variantId) : config.prompt, input);
  }
}

interface TaskRow {
  id: string;
  input: string;
  expected: string | null;
  metadata: string | null;
}

function rowToTask(r: TaskRow): Task {
  const task: Task = { id: r.id, input: JSON.parse(r.input) as Record<string, unknown> };
  if (r.expected !== null) task.expected = JSON.parse(r.expected);
  if (r.metadata !== null) task.metadata = JSON.parse(r.metadata) as Record<string, unknown>;
  return task;
}

interface EventRow {
  seq: number;
  run_id: string;
  ts: number;
  type: string;
  data: string;
}

function toEvent(r: EventRow): EventRecord {
  return { seq: r.seq, runId: r.run_id, ts: r.ts, type: r.type, data: JSON.parse(r.data) as unknown };
}
