import type Database from 'better-sqlite3';
import type { Experiment } from '../config/experiment.js';
import { MetaorchError, RunNotFoundError } from '../model/errors.js';
import type { TaskList } from '../tasks/task-list.js';
import { renderPrompt } from '../tasks/template.js';
import type { DecisionRecord, TrialBrief, TrialDetail, TrialFacts, TrialFilter, TrialPage } from './read-records.js';
import { sqliteControllerLog, type ControllerLog } from './controller-log.js';
import type { DecisionRecord as LoggedDecision, ErrorGroup, EventRecord, RunListing, RunRecord, RunStats, TrialRecord, VariantSums } from './records.js';
import { RUN_STATS_VERSION } from './records.js';
import { rowToRun, rowToTrial, type RunRow, type TrialRow } from './rows.js';
import { SqliteStore } from './sqlite-store.js';
import { SqliteTasks } from './sqlite-tasks.js';
import { inflightTrials, recentTrials, trialBriefs, trialDetail, trialFacts, trialPage } from './sqlite-trial-queries.js';
import type { EventQuery, RunQueries, SeqRange } from './run-queries.js';
import { parseTrialFormat, type TrialFormat } from './trial-format.js';

/**
 * Sums per variant. Errored trials carry no score and no pass (TrialOutcome), so only the counts need
 * the status; the kinds of errors come back as one short list (errors are rare).
 */
const SUMS = `variant_id, COUNT(*), SUM(status = 'error'), COUNT(score), TOTAL(score), TOTAL(score * score), COUNT(passed), TOTAL(passed),
  TOTAL(cost), TOTAL(tokens_in), TOTAL(tokens_out), TOTAL(attempt_count), COUNT(reward), TOTAL(reward),
  COUNT(CASE WHEN status = 'ok' THEN latency_ms END), TOTAL(CASE WHEN status = 'ok' THEN latency_ms END),
  group_concat(CASE WHEN status = 'error' THEN COALESCE(error_kind, 'unknown') END, ','), SUM(cost IS NULL), SUM(tokens_in IS NULL OR tokens_out IS NULL),
  COALESCE(SUM(cached = 1), 0)`;

type SumsRow = [string, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, string | null, number, number, number];

function sumsOfRow(row: SumsRow): VariantSums {
  const [variantId, finished, errors, ns, s, s2, judged, passes, cost, tokensIn, tokensOut, attempts, rewarded, rewardSum, latN, latSum, kinds, costUnknown, tokensUnknown, cached] = row;
  const errorsByKind: Record<string, number> = {};
  for (const kind of kinds ? kinds.split(',') : []) errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
  return {
    variantId, finished, errors, errorsByKind, ns, s, s2, judged, passes, cost, costUnknown, tokensIn, tokensOut, tokensUnknown, attempts, rewarded, rewardSum, latN, latSum, cached,
  };
}

const DECISION_TYPES = ['decision', 'controller', 'stop'];

/**
 * The read side over one SQLite store (see RunQueries). Opens its own read-only connection, or reads
 * through a store's connection (`SqliteStore.queries()`).
 *
 * @example
 * const queries = SqliteRunQueries.open('.metaorch/metaorch.db');
 * for (const trial of queries.trials(runId)) console.log(trial.seq, trial.score);
 */
export class SqliteRunQueries implements RunQueries {
  private log: ControllerLog | undefined;

  constructor(readonly db: Database.Database, private readonly owned = false) {}

  /**
   * Opens the store for reading. The connection is the store's own (WAL: reading never blocks a run
   * writing), so a store written by an older version is brought to the current schema first.
   */
  static open(path: string, options: { mmap?: boolean } = {}): SqliteRunQueries {
    const { db } = SqliteStore.open(path);
    // A long-lived reader (the dashboard) maps the file: large scans read pages without copying them.
    if (options.mmap) db.pragma('mmap_size = 268435456');
    return new SqliteRunQueries(db, true);
  }

  /** The path of the store file. */
  get path(): string {
    return this.db.name;
  }

  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }

  snapshot<T>(read: () => T): T {
    // A read transaction: in WAL mode it sees one snapshot of the store until it ends.
    return this.db.transaction(read)();
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

  runs(): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as RunRow[]).map(rowToRun);
  }

  listRuns(): RunListing[] {
    const rows = this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, rowid DESC').all() as RunRow[];
    const unfinished = this.db.prepare("SELECT COUNT(*) FROM trials WHERE run_id = ? AND status = 'scheduled'").pluck();
    const counts = this.db.prepare(`SELECT COUNT(*) AS trials, COALESCE(SUM(status != 'scheduled'), 0) AS finished,
      COALESCE(SUM(status = 'error'), 0) AS errors, TOTAL(cost) AS cost, COALESCE(SUM(status != 'scheduled' AND cost IS NULL), 0) AS costUnknown
      FROM trials WHERE run_id = ?`);
    return rows.map((r) => {
      const stats = r.status === 'running' ? null : this.savedStats(r.id);
      if (stats) {
        const finished = stats.variants.reduce((n, v) => n + v.finished, 0);
        return {
          ...rowToRun(r), trials: finished + (unfinished.get(r.id) as number), finished,
          errors: stats.variants.reduce((n, v) => n + v.errors, 0), cost: stats.variants.reduce((n, v) => n + v.cost, 0),
          costUnknown: stats.variants.reduce((n, v) => n + v.costUnknown, 0),
        };
      }
      const c = counts.get(r.id) as { trials: number; finished: number; errors: number; cost: number; costUnknown: number };
      return { ...rowToRun(r), ...c };
    });
  }

  runConfig(id: string): Omit<Experiment, 'tasks'> {
    const row = this.db.prepare('SELECT config FROM runs WHERE id = ?').get(id) as { config: string } | undefined;
    if (!row) throw new RunNotFoundError(id, []);
    const defaults = { objective: { score: 1, error: 0 }, snapshotEvery: 100 };
    return { ...defaults, ...(JSON.parse(row.config) as Omit<Experiment, 'tasks'>) };
  }

  variants(id: string): { id: string; adapter: string }[] {
    return this.db.prepare('SELECT id, adapter FROM variants WHERE run_id = ? ORDER BY idx').all(id) as { id: string; adapter: string }[];
  }

  tasks(id: string): TaskList {
    return new SqliteTasks(this.db, id);
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

  errorGroups(id: string, limit: number): ErrorGroup[] {
    // Most frequent first, so the groups kept under the limit are the ones a report shows.
    return this.db
      .prepare(`SELECT variant_id AS variantId, COALESCE(error_kind, 'unknown') AS kind, COALESCE(CASE WHEN json_valid(error) THEN json_extract(error, '$.message') ELSE error END, '') AS message, COUNT(*) AS count
                FROM trials WHERE run_id = ? AND status = 'error' GROUP BY variant_id, error_kind, message ORDER BY count DESC LIMIT ?`)
      .all(id, limit) as ErrorGroup[];
  }

  runTotals(id: string): { finished: number; errors: number; cost: number } {
    return this.db
      .prepare(`SELECT COALESCE(SUM(status != 'scheduled'), 0) AS finished, COALESCE(SUM(status = 'error'), 0) AS errors, TOTAL(cost) AS cost
                FROM trials WHERE run_id = ?`)
      .get(id) as { finished: number; errors: number; cost: number };
  }

  trialSpan(id: string): number {
    return ((this.db.prepare('SELECT MAX(seq) FROM trials WHERE run_id = ?').pluck().get(id) as number | null) ?? -1) + 1;
  }

  inflightCount(id: string): number {
    return this.db.prepare("SELECT COUNT(*) FROM trials WHERE run_id = ? AND status = 'scheduled'").pluck().get(id) as number;
  }

  latencies(id: string, threshold: number, range?: SeqRange): Iterable<[string, number, number]> {
    const where = ['run_id = ?', "status = 'ok'", 'latency_ms IS NOT NULL'];
    const params: unknown[] = [id];
    if (range) {
      where.push('seq >= ?', 'seq < ?');
      params.push(range.from, range.to);
    }
    if (threshold < 2 ** 32) {
      // seqHash (report/latency-sample.ts) in SQL: the low 32 bits of seq * 2654435761.
      where.push('(seq * 2654435761) % 4294967296 < ?');
      params.push(threshold);
    }
    return this.db.prepare(`SELECT variant_id, seq, latency_ms FROM trials WHERE ${where.join(' AND ')}`).raw().iterate(...params) as Iterable<[string, number, number]>;
  }

  scores(id: string): Iterable<[string, number, number]> {
    return this.db
      .prepare("SELECT variant_id, seq, score FROM trials WHERE run_id = ? AND status = 'ok' AND score IS NOT NULL ORDER BY seq")
      .raw()
      .iterate(id) as Iterable<[string, number, number]>;
  }

  scoreSequence(id: string, variantId: string, limit: number): number[] {
    return this.db
      .prepare("SELECT score FROM trials WHERE run_id = ? AND variant_id = ? AND status = 'ok' AND score IS NOT NULL ORDER BY seq LIMIT ?")
      .pluck()
      .all(id, variantId, limit) as number[];
  }

  taskScores(id: string): { variantId: string; taskId: string; score: number }[] {
    return this.db
      .prepare(`SELECT t.variant_id AS variantId, k.id AS taskId, AVG(t.score) AS score FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
                WHERE t.run_id = ? AND t.status = 'ok' AND t.score IS NOT NULL GROUP BY t.variant_id, k.id`)
      .all(id) as { variantId: string; taskId: string; score: number }[];
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

  trialPage(id: string, filter: TrialFilter): TrialPage {
    return trialPage(this.db, id, filter);
  }

  trialBriefs(id: string, seqs: readonly number[], limit: number): TrialBrief[] {
    return trialBriefs(this.db, id, seqs, limit);
  }

  recentTrials(id: string, limit: number): TrialBrief[] {
    return recentTrials(this.db, id, limit);
  }

  inflightTrials(id: string, limit: number): TrialBrief[] {
    return inflightTrials(this.db, id, limit);
  }

  trialDetail(id: string, seq: number): TrialDetail | undefined {
    if (!this.getRun(id)) return undefined;
    return trialDetail(this.db, id, seq, this.format(id), (variantId, input) => this.prompter(id)(variantId, input));
  }

  trialFacts(id: string, seqs: readonly number[]): TrialFacts[] {
    return trialFacts(this.db, id, seqs);
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

  latestEvent(runId: string, type: string): EventRecord | undefined {
    const row = this.db.prepare('SELECT seq, run_id, ts, type, data FROM events WHERE run_id = ? AND type = ? ORDER BY seq DESC LIMIT 1').get(runId, type) as EventRow | undefined;
    return row ? toEvent(row) : undefined;
  }

  decisions(runId: string, limit: number): DecisionRecord[] {
    const rows = this.db
      .prepare(`SELECT seq, run_id, ts, type, data FROM events WHERE run_id = ? AND type IN (${DECISION_TYPES.map(() => '?').join(', ')}) ORDER BY seq DESC LIMIT ?`)
      .all(runId, ...DECISION_TYPES, limit) as EventRow[];
    const list: DecisionRecord[] = rows.map(toEvent).map((e) => ({ seq: e.seq, ts: e.ts, kind: e.type, data: e.data }));
    // A `decisions` table (the controller's, once a migration adds it) is read as it is.
    if (this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decisions'").get() !== undefined) {
      for (const r of this.db.prepare('SELECT * FROM decisions WHERE run_id = ? LIMIT ?').all(runId, limit) as Record<string, unknown>[]) {
        list.push({ seq: Number(r['seq'] ?? r['id'] ?? 0), ts: Number(r['ts'] ?? r['created_at'] ?? 0), kind: String(r['kind'] ?? r['type'] ?? 'decision'), data: r });
      }
    }
    return list;
  }

  /** The controller's decision log of a run, oldest first (empty in a store older than it). */
  decisionLog(runId: string): LoggedDecision[] {
    return this.controllerLog()?.list(runId) ?? [];
  }

  controllerMetrics(): { runId: string; time: number; snapshot: unknown }[] {
    return this.controllerLog()?.latestMetrics() ?? [];
  }

  workflowEvents(name: string, type: string, exceptRun: string): EventRecord[] {
    const rows = this.db
      .prepare(`SELECT e.seq, e.run_id, e.ts, e.type, e.data FROM runs r JOIN events e ON e.run_id = r.id
                WHERE r.mode = 'workflow' AND r.name = ? AND r.id != ? AND e.type = ? ORDER BY e.seq`)
      .all(name, exceptRun, type) as EventRow[];
    return rows.map(toEvent);
  }

  /** The controller's tables, read only; undefined in a store older than them. */
  private controllerLog(): ControllerLog | undefined {
    if (this.log) return this.log;
    if (this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decisions'").get() === undefined) return undefined;
    return (this.log = sqliteControllerLog(this.db, () => {
      throw new Error('the read side does not write events');
    }));
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
