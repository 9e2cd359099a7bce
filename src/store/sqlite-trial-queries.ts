/**
 * The trial reads of SqliteRunQueries: pages, briefs, one trial in full, the facts live statistics
 * sum. Every query is bounded (LIMIT, keyset cursors on seq) and walks the primary key (run, seq) or
 * the index of unfinished trials.
 */
import type Database from 'better-sqlite3';
import type { TrialBrief, TrialDetail, TrialFacts, TrialFilter, TrialPage } from './read-records.js';
import { expandAttempts, expandScores, type TrialFormat } from './trial-format.js';

const BRIEF = `t.seq, t.variant_id, k.id AS task_id, t.status, t.score, t.passed, t.latency_ms, t.cost, t.attempt_count, t.error_kind,
  substr(t.output, 1, 160) AS output, COALESCE(t.started_at, t.scheduled_at) AS started_at, t.finished_at
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

/** Finished trials among `seqs` (the newest `limit`), newest first. */
export function trialBriefs(db: Database.Database, runId: string, seqs: readonly number[], limit: number): TrialBrief[] {
  if (seqs.length === 0) return [];
  const newest = [...seqs].sort((a, b) => b - a).slice(0, limit);
  const rows = db
    .prepare(`SELECT ${BRIEF} WHERE t.run_id = ? AND t.seq IN (SELECT value FROM json_each(?)) AND t.status != 'scheduled' ORDER BY t.seq DESC`)
    .all(runId, JSON.stringify(newest)) as BriefRow[];
  return rows.map(toBrief);
}

/** The finished trials of the highest seqs, newest first. */
export function recentTrials(db: Database.Database, runId: string, limit: number): TrialBrief[] {
  return (db.prepare(`SELECT ${BRIEF} WHERE t.run_id = ? AND t.status != 'scheduled' ORDER BY t.seq DESC LIMIT ?`).all(runId, limit) as BriefRow[]).map(toBrief);
}

/** Trials in flight (scheduled, not finished), from the index of unfinished trials, newest first. */
export function inflightTrials(db: Database.Database, runId: string, limit: number): TrialBrief[] {
  const rows = db.prepare(`SELECT ${BRIEF} WHERE t.run_id = ? AND t.status = 'scheduled' ORDER BY t.seq DESC LIMIT ?`).all(runId, limit) as BriefRow[];
  return rows.map(toBrief);
}

/**
 * A page of trials with a keyset cursor. `total` is counted only without a text or score filter; a
 * text search over a huge run scans until the page is full.
 */
export function trialPage(db: Database.Database, runId: string, f: TrialFilter): TrialPage {
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
    // Prompts are mostly not stored (they are the templates rendered with the task input): the input is searched.
    add("(k.id LIKE ? ESCAPE '\\' OR t.output LIKE ? ESCAPE '\\' OR k.input LIKE ? ESCAPE '\\' OR t.prompt LIKE ? ESCAPE '\\' OR t.error LIKE ? ESCAPE '\\')",
      like, like, like, like, like);
  }
  if (f.before !== undefined) add('t.seq < ?', f.before);
  if (f.after !== undefined) add('t.seq > ?', f.after);
  const rows = db
    .prepare(`SELECT ${BRIEF} WHERE ${where.join(' AND ')} ORDER BY t.seq ${f.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`)
    .all(...params, f.limit + 1) as BriefRow[];
  const more = rows.length > f.limit;
  const trials = rows.slice(0, f.limit).map(toBrief);
  const cheap = !f.q && f.minScore === undefined && f.maxScore === undefined;
  const total = cheap ? (db.prepare(`SELECT COUNT(*) FROM trials t WHERE ${counted.join(' AND ')}`).pluck().get(...countParams) as number) : null;
  return { trials, next: more ? (trials[trials.length - 1]?.seq ?? null) : null, total };
}

/** One trial in full, with its task; a prompt that was not stored is rendered by `prompt`. */
export function trialDetail(
  db: Database.Database, runId: string, seq: number, format: TrialFormat, prompt: (variantId: string, input: Record<string, unknown>) => string,
): TrialDetail | undefined {
  const r = db
    .prepare(`SELECT t.*, k.id AS task_id, k.input AS task_input, k.expected AS task_expected, k.metadata AS task_metadata
              FROM trials t LEFT JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx WHERE t.run_id = ? AND t.seq = ?`)
    .get(runId, seq) as Record<string, unknown> | undefined;
  if (!r) return undefined;
  const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : null);
  const error = r['error'] ? (JSON.parse(r['error'] as string) as { message?: string }) : null;
  const status = r['status'] as TrialDetail['status'];
  const input = json(r['task_input']) as Record<string, unknown> | null;
  const stored = r['prompt'] as string | null;
  return {
    seq: r['seq'] as number, variantId: r['variant_id'] as string, status, repeat: r['repeat'] as number, seed: r['seed'] as number,
    task: { id: (r['task_id'] as string | null) ?? '?', input, expected: json(r['task_expected']), metadata: json(r['task_metadata']) },
    prompt: stored ?? (status === 'scheduled' || !input ? null : prompt(r['variant_id'] as string, input)),
    output: r['output'] as string | null, score: r['score'] as number | null,
    passed: r['passed'] === null || r['passed'] === undefined ? null : r['passed'] === 1,
    scores: expandScores(format, r['scores'] as string | null, r['score'] as number | null, (r['reason'] as string | null | undefined) ?? null),
    attempts: expandAttempts(r['attempts'] as string | null, r['attempt_count'] as number | null, r['latency_ms'] as number | null) as TrialDetail['attempts'],
    latencyMs: r['latency_ms'] as number | null, tokensIn: r['tokens_in'] as number | null, tokensOut: r['tokens_out'] as number | null,
    cost: r['status'] === 'scheduled' ? 0 : (r['cost'] as number | null), reward: (r['reward'] as number | null | undefined) ?? null,
    errorKind: r['error_kind'] as string | null, error: error?.message ?? null,
    scheduledAt: r['scheduled_at'] as number, startedAt: (r['started_at'] as number | null) ?? (r['scheduled_at'] as number),
    finishedAt: r['finished_at'] as number | null,
  };
}

type FactsRow = [number, string, string, number | null, number | null, number | null, number | null, number | null, number | null, number | null, string | null, number | null];

/** The facts of the finished trials among `seqs`, in seq order. */
export function trialFacts(db: Database.Database, runId: string, seqs: readonly number[]): TrialFacts[] {
  if (seqs.length === 0) return [];
  const rows = db
    .prepare(`SELECT seq, variant_id, status, score, passed, latency_ms, cost, tokens_in, tokens_out, attempt_count, error_kind, reward
              FROM trials WHERE run_id = ? AND seq IN (SELECT value FROM json_each(?)) AND status != 'scheduled' ORDER BY seq`)
    .raw()
    .all(runId, JSON.stringify(seqs)) as FactsRow[];
  return rows.map(([seq, variantId, status, score, passed, latencyMs, cost, tokensIn, tokensOut, attempts, errorKind, reward]) => ({
    seq, variantId, status: status as TrialFacts['status'], score, passed: passed === null ? null : passed === 1, latencyMs,
    cost, tokensIn, tokensOut, attempts: attempts ?? 0, errorKind, reward,
  }));
}
