import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { trialEventSeqs } from '../../src/store/trial-events.js';

/** mulberry32: a test's own seeded source, so a failing kill schedule replays with the same seed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RunCheck {
  status: string;
  ok: number;
  errors: number;
}

/**
 * What every chaos case ends with: each planned trial recorded exactly once (seqs 0..planned-1, none
 * left scheduled), the store intact, and the written report counting the plan.
 */
export function expectRunComplete(dbFile: string, runId: string, planned: number, summaryJson?: string): RunCheck {
  const db = new Database(dbFile, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const run = db.prepare('SELECT status, planned FROM runs WHERE id = ?').get(runId) as { status: string; planned: number };
    expect(run.planned).toBe(planned);
    const agg = db
      .prepare(`SELECT COUNT(*) AS rows, COUNT(DISTINCT seq) AS seqs, MIN(seq) AS lo, MAX(seq) AS hi,
                  COALESCE(SUM(status = 'scheduled'), 0) AS scheduled, COALESCE(SUM(status = 'ok'), 0) AS ok,
                  COALESCE(SUM(status = 'error'), 0) AS errors FROM trials WHERE run_id = ?`)
      .get(runId) as { rows: number; seqs: number; lo: number; hi: number; scheduled: number; ok: number; errors: number };
    expect({ rows: agg.rows, seqs: agg.seqs, lo: agg.lo, hi: agg.hi, scheduled: agg.scheduled }).toEqual({ rows: planned, seqs: planned, lo: 0, hi: planned - 1, scheduled: 0 });
    // One 'trials' event per committed batch: every finished seq is announced exactly once.
    const announced = (db.prepare("SELECT data FROM events WHERE run_id = ? AND type = 'trials'").pluck().all(runId) as string[])
      .flatMap((d) => trialEventSeqs(JSON.parse(d)));
    expect(announced.length).toBe(new Set(announced).size);
    if (summaryJson) {
      const report = JSON.parse(readFileSync(summaryJson, 'utf8')) as { run: { planned: number; finished: number; errors: number }; variants: { trials: number }[] };
      expect(report.run.planned).toBe(planned);
      expect(report.run.finished).toBe(planned);
      expect(report.variants.reduce((n, v) => n + v.trials, 0)).toBe(planned);
      expect(report.run.errors).toBe(agg.errors);
    }
    if (agg.errors > 0) {
      // Say which: a chaos case that expects none fails with the reasons in view.
      const reasons = db.prepare("SELECT seq, error_kind AS kind, error FROM trials WHERE run_id = ? AND status = 'error' LIMIT 5").all(runId);
      console.error(`errored trials of ${runId}:`, JSON.stringify(reasons));
    }
    return { status: run.status, ok: agg.ok, errors: agg.errors };
  } finally {
    db.close();
  }
}
