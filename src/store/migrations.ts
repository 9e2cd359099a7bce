import type { Database } from 'better-sqlite3';
import { StoreError } from '../model/errors.js';

/**
 * Numbered migrations; `PRAGMA user_version` records how many have run. Append only: never edit a
 * migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    seed INTEGER NOT NULL,
    config TEXT NOT NULL,
    source TEXT NOT NULL,
    planned INTEGER,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    active_ms INTEGER NOT NULL DEFAULT 0,
    stop_reason TEXT,
    pid INTEGER,
    error TEXT
  );
  CREATE TABLE variants (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    id TEXT NOT NULL,
    adapter TEXT NOT NULL,
    config TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
  );
  CREATE TABLE tasks (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    id TEXT NOT NULL,
    input TEXT NOT NULL,
    expected TEXT,
    metadata TEXT,
    PRIMARY KEY (run_id, idx)
  );
  CREATE TABLE trials (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    variant_id TEXT NOT NULL,
    task_idx INTEGER NOT NULL,
    repeat INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    prompt TEXT,
    output TEXT,
    score REAL,
    passed INTEGER,
    scores TEXT,
    attempts TEXT,
    attempt_count INTEGER,
    latency_ms REAL,
    tokens_in INTEGER,
    tokens_out INTEGER,
    cost REAL,
    error_kind TEXT,
    error TEXT,
    scheduled_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX trials_by_variant ON trials (run_id, variant_id, status);
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX events_by_run ON events (run_id, seq);
  `,
  // 2: the reward a policy learned from (objective applied to the outcome), for allocation and regret.
  `
  ALTER TABLE trials ADD COLUMN reward REAL;
  `,
  // 3: run claims. The process executing a run owns it: a random owner token (checked by every write
  // of the run), its pid and host (to tell whether it is alive), and a heartbeat that renews its lease.
  `
  ALTER TABLE runs ADD COLUMN owner TEXT;
  ALTER TABLE runs ADD COLUMN host TEXT;
  ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
  `,
  // 4: the controller's decision log (kind, target, reason, evidence, validation, what undid it), the
  // commands people send it (metaorch undo), applied by the live run or on resume, and the latest
  // snapshot of its metric windows per run (what GET /metrics on serve exposes).
  `
  CREATE TABLE decisions (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    at_trial INTEGER NOT NULL,
    from_seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    detector TEXT,
    evidence TEXT,
    change TEXT,
    validation_status TEXT NOT NULL,
    validation TEXT NOT NULL,
    undoes INTEGER,
    undone_by INTEGER,
    source TEXT NOT NULL,
    escalate INTEGER NOT NULL,
    delivery TEXT,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, id)
  );
  CREATE TABLE controller_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    decision INTEGER NOT NULL,
    reason TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    done_at INTEGER,
    at_trial INTEGER,
    result TEXT
  );
  CREATE INDEX controller_commands_by_run ON controller_commands (run_id, id);
  CREATE TABLE controller_metrics (
    run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    ts INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  `,
  // 5 (issue 14): the fast write path and finished runs' report totals.
  // - trials.reason: a compact row's only score reason (its scorer's name and weight are the run's
  //   trial_format; scores stays NULL). A compact row with one clean attempt has attempts NULL and
  //   attempt_count 1, and its prompt NULL when it is the variant's template rendered with the task.
  // - The per-variant index goes: every write paid for it, and reads scan a run by its key instead.
  //   A partial index of unfinished trials replaces it for in-flight views (finished rows never enter it).
  // - run_stats: a finished run's totals per variant, written when the run ends, so reports do not
  //   re-read its trials.
  `
  ALTER TABLE trials ADD COLUMN reason TEXT;
  ALTER TABLE runs ADD COLUMN trial_format TEXT;
  DROP INDEX IF EXISTS trials_by_variant;
  CREATE INDEX trials_unfinished ON trials (run_id, seq) WHERE status = 'scheduled';
  CREATE TABLE run_stats (
    run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    data TEXT NOT NULL
  );
  `,
  // 6 (issue 11): the gateway (src/gateway): feedback on a trial of a route's run (a score in [0, 1], from a
  // client's POST /v1/feedback or the route's judge), one per trial: the first counts; when it
  // arrived tells how late feedback comes, and rebuilds the order in which rewards were decided.
  `
  CREATE TABLE feedback (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    score REAL NOT NULL,
    source TEXT NOT NULL,
    comment TEXT,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;
  `,
  // 7 (issue 12): trials answered from the response cache (1), else NULL. Their latency_ms is NULL, so
  // every latency statistic leaves them out.
  `
  ALTER TABLE trials ADD COLUMN cached INTEGER;
  `,
];

/**
 * Brings a database to the latest schema. The version is read again inside an exclusive transaction,
 * so when several processes open a new store at once, one migrates and the others, waiting on the
 * lock, find the work done and go on. A store already current costs one read and takes no lock.
 */
export function migrate(db: Database): void {
  if (checkVersion(db) === MIGRATIONS.length) return;
  db.transaction(() => {
    for (let v = checkVersion(db); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).exclusive();
}

function checkVersion(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new StoreError(
      `The store was written by a newer meta-orchestrator (schema ${current}, this version knows ${MIGRATIONS.length}). Upgrade meta-orchestrator.`,
    );
  }
  return current;
}
