/**
 * The gateway's own reads and writes of the store (src/gateway): finding a route's run again, what
 * its policy is rebuilt from, keys' spending, and feedback with the rewards it decides. Kept apart from
 * SqliteStore's core so each piece of SQL stands alone. Trials themselves go through the run's
 * TrialWriter like every run's.
 */
import type { Database, Statement } from 'better-sqlite3';
import { RunBusyError } from '../model/errors.js';

/** The latest run of a route of a gateway file. */
export interface GatewayRunRow {
  id: string;
  status: string;
  seed: number;
  config: string;
}

/**
 * The most recent run recorded for `route` of the gateway file `source`.
 *
 * @example
 * findGatewayRun(store.db, '/abs/gateway.yaml', 'gateway/chat');
 */
export function findGatewayRun(db: Database, source: string, name: string): GatewayRunRow | undefined {
  return db
    .prepare("SELECT id, status, seed, config FROM runs WHERE source = ? AND name = ? AND mode = 'continuous' ORDER BY created_at DESC, id DESC LIMIT 1")
    .get(source, name) as GatewayRunRow | undefined;
}

/** A reward decided before, in the order rewards were decided. */
export interface DecidedReward {
  seq: number;
  variantId: string;
  status: 'ok' | 'error';
  reward: number;
  latencyMs: number;
  cost: number | null;
  /** When it was decided (ms): an error's finish, its feedback's arrival, or the end of its wait. */
  decidedAt: number;
}

/** A failed try that a fallback took over (its variant learned an error at once), from its `fallback` event. */
export interface FailedTry {
  seq: number;
  variantId: string;
  reward: number;
  latencyMs: number;
  /** When it failed (ms; the event's commit time for events written before the time was recorded). */
  at: number;
}

/** A successful trial whose reward was not decided yet (it waits for feedback). */
export interface UndecidedTrial {
  seq: number;
  variantId: string;
  finishedAt: number;
  latencyMs: number;
  cost: number | null;
}

/**
 * Rewards already decided, in the order they were decided: an error's when it finished, feedback's
 * when it arrived, a reward decided without feedback when its wait ended (`waitMs` after finishing).
 */
export function decidedRewards(db: Database, runId: string, waitMs: number): Iterable<DecidedReward> {
  return db
    .prepare(`SELECT seq, variantId, status, reward, latencyMs, cost, decidedAt FROM (
                SELECT t.seq, t.variant_id AS variantId, t.status, t.reward, COALESCE(t.latency_ms, 0) AS latencyMs, t.cost,
                       CASE WHEN t.status = 'error' THEN t.finished_at WHEN f.received_at IS NOT NULL AND f.received_at < t.finished_at + ? THEN f.received_at ELSE t.finished_at + ? END AS decidedAt
                FROM trials t LEFT JOIN feedback f ON f.run_id = t.run_id AND f.seq = t.seq
                WHERE t.run_id = ? AND t.status != 'scheduled' AND t.reward IS NOT NULL)
              ORDER BY decidedAt, seq`)
    .iterate(waitMs, waitMs, runId) as Iterable<DecidedReward>;
}

/**
 * The failed tries fallbacks took over, in the order they failed: each taught its variant an error at
 * once, and a restarted gateway's policy learns them again (they are no trial's reward).
 *
 * @example
 * for (const t of failedTries(store.db, runId)) policy.update(arm(t.variantId), t.reward);
 */
export function failedTries(db: Database, runId: string): FailedTry[] {
  return db
    .prepare(`SELECT json_extract(data, '$.seq') AS seq, json_extract(data, '$.variant') AS variantId, json_extract(data, '$.reward') AS reward,
                     COALESCE(json_extract(data, '$.latencyMs'), 0) AS latencyMs, COALESCE(json_extract(data, '$.at'), ts) AS at
              FROM events WHERE run_id = ? AND type = 'fallback' ORDER BY at, seq`)
    .all(runId) as FailedTry[];
}

/** Successful trials finished at or after `since` whose reward is still undecided. */
export function undecidedTrials(db: Database, runId: string, since: number): UndecidedTrial[] {
  return db
    .prepare(`SELECT seq, variant_id AS variantId, finished_at AS finishedAt, COALESCE(latency_ms, 0) AS latencyMs, cost
              FROM trials WHERE run_id = ? AND status = 'ok' AND reward IS NULL AND finished_at >= ? ORDER BY finished_at, seq`)
    .all(runId, since) as UndecidedTrial[];
}

/** A trial a killed gateway left scheduled (it was in flight): what closing it as an error needs. */
export interface InterruptedTrial {
  seq: number;
  variantId: string;
  taskIdx: number;
  taskId: string;
  repeat: number;
  seed: number;
  scheduledAt: number;
}

/** Trials of a route's run still scheduled: requests a killed gateway never answered. */
export function interruptedTrials(db: Database, runId: string): InterruptedTrial[] {
  return db
    .prepare(`SELECT t.seq, t.variant_id AS variantId, t.task_idx AS taskIdx, k.id AS taskId, t.repeat, t.seed, t.scheduled_at AS scheduledAt
              FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
              WHERE t.run_id = ? AND t.status = 'scheduled' ORDER BY t.seq`)
    .all(runId) as InterruptedTrial[];
}

/** One past the highest seq a run ever had. */
export function nextSeqOf(db: Database, runId: string): number {
  const row = db.prepare('SELECT MAX(seq) AS m FROM trials WHERE run_id = ?').get(runId) as { m: number | null };
  return row.m === null ? 0 : row.m + 1;
}

/**
 * Dollars spent since `since` by each task (the gateway records a key as its run's task), over runs.
 *
 * @example
 * spendByTask(db, ['RUN1', 'RUN2'], Date.UTC(2026, 0, 1)); // Map { 'key:app' => 1.25 }
 */
export function spendByTask(db: Database, runIds: readonly string[], since: number): Map<string, number> {
  const out = new Map<string, number>();
  const query = db.prepare(`SELECT k.id AS task, COALESCE(SUM(t.cost), 0) AS cost FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
                            WHERE t.run_id = ? AND t.status != 'scheduled' AND t.finished_at >= ? GROUP BY k.id`);
  for (const runId of runIds) {
    for (const row of query.all(runId, since) as { task: string; cost: number }[]) out.set(row.task, (out.get(row.task) ?? 0) + row.cost);
  }
  return out;
}

/** The tasks of a run by id, with their positions. */
export function taskIndex(db: Database, runId: string): Map<string, number> {
  const rows = db.prepare('SELECT idx, id FROM tasks WHERE run_id = ?').all(runId) as { idx: number; id: string }[];
  return new Map(rows.map((r) => [r.id, r.idx]));
}

/** What is known of a trial when feedback names it. */
export interface TrialForFeedback {
  status: string;
  variantId: string;
  score: number | null;
  feedback: number | null;
}

export function trialForFeedback(db: Database, runId: string, seq: number): TrialForFeedback | undefined {
  return db
    .prepare(`SELECT t.status, t.variant_id AS variantId, t.score, f.score AS feedback FROM trials t
              LEFT JOIN feedback f ON f.run_id = t.run_id AND f.seq = t.seq WHERE t.run_id = ? AND t.seq = ?`)
    .get(runId, seq) as TrialForFeedback | undefined;
}

/** One feedback to record, and the reward it decided (null: recorded only). */
export interface FeedbackRow {
  seq: number;
  score: number;
  passed: boolean;
  source: string;
  comment: string | null;
  receivedAt: number;
}

/**
 * Writes a run's feedback and the rewards decided after their trials were written, in batches, each
 * in one transaction that first checks the run's claim (nothing is written once another process holds
 * the run). Feedback is written once per trial (the first counts); a trial's score is set once, from
 * null; a trial's reward once, from null. So replays and retries change nothing.
 *
 * @example
 * const writer = new FeedbackWriter(store.db, runId, owner.token);
 * writer.feedback({ seq: 3, score: 1, passed: true, source: 'key:app', comment: null, receivedAt: Date.now() });
 * writer.reward(3, 0.9);
 * writer.flush();
 */
export class FeedbackWriter {
  private rows: FeedbackRow[] = [];
  private rewards: [number, number][] = [];
  private variants: [number, string][] = [];
  private readonly insert: Statement;
  private readonly setVariant: Statement;
  private readonly setScore: Statement;
  private readonly setReward: Statement;
  private readonly insertEvent: Statement;
  private readonly renew: Statement;
  private readonly tx: () => number[];

  constructor(db: Database, private readonly runId: string, private readonly owner: string) {
    this.insert = db.prepare('INSERT OR IGNORE INTO feedback (run_id, seq, score, source, comment, received_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.setScore = db.prepare(`UPDATE trials SET score = ?, passed = ?, scores = json_insert(COALESCE(scores, '[]'), '$[#]', json(?))
                                WHERE run_id = ? AND seq = ? AND status = 'ok' AND score IS NULL`);
    this.setReward = db.prepare('UPDATE trials SET reward = ? WHERE run_id = ? AND seq = ? AND reward IS NULL');
    this.setVariant = db.prepare('UPDATE trials SET variant_id = ? WHERE run_id = ? AND seq = ?');
    this.insertEvent = db.prepare('INSERT INTO events (run_id, ts, type, data) VALUES (?, ?, ?, ?)');
    this.renew = db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner = ? AND status = 'running'");
    this.tx = db.transaction(() => this.write());
  }

  get pending(): boolean {
    return this.rows.length > 0 || this.rewards.length > 0 || this.variants.length > 0;
  }

  feedback(row: FeedbackRow): void {
    this.rows.push(row);
  }

  reward(seq: number, reward: number): void {
    this.rewards.push([seq, reward]);
  }

  /** The variant that answered a trial after a fallback (its row was scheduled on the first one tried). */
  variant(seq: number, variantId: string): void {
    this.variants.push([seq, variantId]);
  }

  /** Commits what is queued; returns the seqs whose score this batch set. Throws when it cannot. */
  flush(): number[] {
    if (!this.pending) return [];
    return this.tx();
  }

  private write(): number[] {
    const now = Date.now();
    if (this.renew.run(now, this.runId, this.owner).changes === 0) {
      throw new RunBusyError(`Run ${this.runId} is no longer owned by this process (another process took it over); nothing more is written.`);
    }
    const scored: number[] = [];
    for (const f of this.rows) {
      if (this.insert.run(this.runId, f.seq, f.score, f.source, f.comment, f.receivedAt).changes === 0) continue;
      const entry = JSON.stringify({ scorer: 'feedback', score: f.score, weight: 1, reason: f.comment ? `${f.source}: ${f.comment}` : `from ${f.source}` });
      if (this.setScore.run(f.score, f.passed ? 1 : 0, entry, this.runId, f.seq).changes > 0) scored.push(f.seq);
    }
    for (const [seq, variantId] of this.variants) this.setVariant.run(variantId, this.runId, seq);
    for (const [seq, reward] of this.rewards) this.setReward.run(reward, this.runId, seq);
    if (scored.length) this.insertEvent.run(this.runId, now, 'feedback', JSON.stringify({ seqs: scored }));
    this.rows = [];
    this.rewards = [];
    this.variants = [];
    return scored;
  }
}
