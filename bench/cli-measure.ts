import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** A build of the CLI to measure: this worktree's, or a baseline's. */
export interface Build {
  name: string;
  cli: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/**
 * Finished trials of a run, distinct seqs only, counted by a separate read-only connection (what any
 * reader of the store sees). Plain SQL over the `trials` table both schemas share, so it reads a
 * baseline's store as well as this build's.
 */
export async function recordedTrials(dbFile: string, runId: string): Promise<number> {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare("SELECT COUNT(DISTINCT seq) FROM trials WHERE run_id = ? AND status != 'scheduled'").pluck().get(runId) as number;
  } finally {
    db.close();
  }
}

/**
 * Milliseconds from spawning `metaorch run` to the first trial result a reader can see in the store:
 * the parent polls the store file every 2 ms (a failed open or a missing table means "not yet").
 */
export async function firstRecordedMs(cli: string, file: string, dbFile: string, cwd: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'run', file, '--db', dbFile, '--no-progress', '--out', join(cwd, 'first-out')], { cwd, env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let seenAt: number | null = null;
  let done = false;
  void exited.then(() => (done = true));
  let db: Database.Database | null = null;
  while (seenAt === null && !done) {
    try {
      if (!db && existsSync(dbFile)) db = new Database(dbFile, { readonly: true, fileMustExist: true });
      if (db && db.prepare("SELECT 1 FROM trials WHERE status != 'scheduled' LIMIT 1").get() !== undefined) seenAt = performance.now() - started;
    } catch {
      // the store is being created: not yet
    }
    if (seenAt === null) await new Promise((r) => setTimeout(r, 2));
  }
  db?.close();
  await exited;
  return seenAt;
}
