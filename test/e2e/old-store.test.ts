import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from '../support/cli.js';

/**
 * A store written by the build before the fast write path (schema 2, test/fixtures/store-v2): today's
 * CLI migrates it, reports its runs with the statistics that build reported, and resumes its killed
 * adaptive run to exactly the choices an uninterrupted run made.
 */

const FIXTURE = join(REPO, 'test/fixtures/store-v2');
const GRID = '20261201-153134-b504';
const ADAPTIVE = '20261201-153137-a7ec';
/** Equal up to floating-point summation order (12 significant digits). */
const rounded = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)));

describe('a store written before issue 14', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: string;
  beforeAll(() => {
    tmp = tempDir('metaorch-old-store-');
    db = join(tmp.dir, 'store.db');
    copyFileSync(join(FIXTURE, 'store-v2.sqlite'), db);
    // The killed run names the pid it had when the fixture was made (25586), with no host: resume
    // would refuse it while any process here has that pid. One above every pid_max is never alive.
    const store = new Database(db);
    store.prepare('UPDATE runs SET pid = 4194305 WHERE id = ?').run(ADAPTIVE);
    store.close();
  });
  afterAll(() => tmp.cleanup());

  it('migrates, lists its runs and reports the old grid run as the old build did', async () => {
    const runs = await runCli(['runs', '--db', db, '--json']);
    expect(runs.code, runs.stderr).toBe(0);
    const listed = JSON.parse(runs.stdout) as { id: string; finished: number; best: string | null }[];
    expect(listed.find((r) => r.id === GRID)).toMatchObject({ finished: 80, best: 'careful' });
    expect(listed.find((r) => r.id === ADAPTIVE)).toMatchObject({ finished: 87 });

    const report = await runCli(['report', GRID, '--db', db, '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const now = JSON.parse(report.stdout) as { variants: unknown; best: unknown; leader: unknown };
    const then = JSON.parse(readFileSync(join(FIXTURE, 'grid-summary.json'), 'utf8')) as typeof now;
    // Columns added since (unknown cost and tokens counted apart, trials answered from the cache) are all 0 for that run.
    const added = ['costUnknown', 'tokensUnknown', 'cached'];
    // P(best) is integrated now; that build drew 4,000 Monte Carlo samples (within about 0.01 of it).
    const probBest = (variants: unknown) => (variants as { probBest: number }[]).map((v) => v.probBest);
    const withoutAdded = (variants: unknown) => (variants as Record<string, unknown>[]).map((v) => {
      for (const key of added) expect(v[key]).toBe(0);
      return Object.fromEntries(Object.entries(v).filter(([key]) => !added.includes(key)));
    });
    const withoutProbBest = (variants: unknown) => (variants as Record<string, unknown>[]).map(({ probBest: _, ...v }) => v);
    expect(rounded(withoutProbBest(withoutAdded(now.variants)))).toEqual(rounded(withoutProbBest(then.variants)));
    probBest(now.variants).forEach((p, i) => expect(Math.abs(p - probBest(then.variants)[i]!)).toBeLessThan(0.01));
    // The same variant and mean; the reason's words are issue 12's (who won is said once, by src/report/winner.ts).
    const withoutReason = (best: unknown) => ({ ...(best as Record<string, unknown>), reason: undefined });
    expect(withoutReason(now.best)).toEqual(withoutReason(then.best));
    expect(rounded(now.leader)).toEqual(rounded(then.leader));

    const exported = await runCli(['export', GRID, '--db', db]);
    const doc = JSON.parse(exported.stdout) as { trials: { prompt: string | null; scores: unknown[]; attempts: unknown[] }[] };
    expect(doc.trials).toHaveLength(80);
    expect(doc.trials.every((t) => t.prompt?.startsWith('What is ') && t.scores.length === 1 && t.attempts.length >= 1)).toBe(true);
  });

  it('resumes the killed adaptive run to the choices of an uninterrupted run', async () => {
    const resumed = await runCli(['resume', ADAPTIVE, '--db', db, '--no-progress', '--out', join(tmp.dir, 'out')]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Run ${ADAPTIVE} completed (budget:trials): 150 trials`);
    const reader = new Database(db, { readonly: true });
    try {
      const rows = reader
        .prepare('SELECT t.seq, t.variant_id AS v, k.id AS task FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx WHERE t.run_id = ? ORDER BY t.seq')
        .all(ADAPTIVE) as { seq: number; v: string; task: string }[];
      const reference = JSON.parse(readFileSync(join(FIXTURE, 'adaptive-reference.json'), 'utf8')) as [number, string, string][];
      expect(rows.map((r) => [r.seq, r.v, r.task])).toEqual(reference);
      expect(reader.prepare("SELECT COUNT(*) FROM trials WHERE run_id = ? AND status = 'scheduled'").pluck().get(ADAPTIVE)).toBe(0);
    } finally {
      reader.close();
    }
    const report = await runCli(['report', ADAPTIVE, '--db', db, '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    expect((JSON.parse(report.stdout) as { run: { finished: number } }).run.finished).toBe(150);
  });
});
