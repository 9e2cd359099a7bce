import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, runCli, startCli, tempDir } from '../support/cli.js';

/**
 * A dataset too large to hold in memory (a JSON Lines file over 8 MB) streams: validated in one pass,
 * stored when the run is created (lines as JSON.stringify writes them without being parsed again), read back from the store a chunk at a time by the scheduler. An
 * interrupted run resumes from the store alone, and every trial ran on its own task.
 */

const TASKS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a large JSON Lines dataset', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('metaorch-large-'));
    const pad = 'p'.repeat(440);
    // Both forms of a record: fields under `input` (stored from the line's text: tasks/stored-row.ts), and flat.
    const lines = Array.from({ length: TASKS }, (_, i) => JSON.stringify(i % 2 === 0
      ? { id: `task-${i}`, input: { n: i }, expected: `answer-${i}`, metadata: { pad } }
      : { id: `task-${i}`, n: i, expected: `answer-${i}`, metadata: { pad } }));
    writeFileSync(join(dir, 'tasks.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'exp.yaml'), [
      'name: large', 'seed: 3', 'concurrency: 16', 'prompt: "Answer for {{n}}"', 'tasks: ./tasks.jsonl',
      'variants: [{ id: right, adapter: mock, accuracy: 1, latencyMs: 1 }, { id: also, adapter: mock, accuracy: 1 }]', '',
    ].join('\n'));
  });
  afterAll(() => cleanup());

  it('runs, is interrupted, resumes from the store, and each trial answered its own task', async () => {
    const db = join(dir, 'store.db');
    const child = startCli(['run', 'exp.yaml', '--db', db, '--no-progress', '--out', join(dir, 'out')], { cwd: dir });
    const exited = collect(child, 120_000);
    const recorded = () => {
      if (!existsSync(db)) return 0;
      try {
        const reader = new Database(db, { readonly: true });
        try {
          return reader.prepare("SELECT COUNT(*) FROM trials WHERE status != 'scheduled'").pluck().get() as number;
        } finally {
          reader.close();
        }
      } catch {
        return 0;
      }
    };
    while (recorded() < 200) await sleep(20);
    child.kill('SIGINT');
    const first = await exited;
    expect(first.code, first.stderr).toBe(130);
    const runId = /^Run (\S+)/.exec(first.stdout)?.[1] as string;

    const resumed = await runCli(['resume', runId, '--db', db, '--no-progress', '--out', join(dir, 'out')], { cwd: dir, timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`completed: ${(2 * TASKS).toLocaleString('en-US')} trials`);

    const reader = new Database(db, { readonly: true });
    try {
      expect(reader.prepare('SELECT COUNT(*) FROM tasks WHERE run_id = ?').pluck().get(runId)).toBe(TASKS);
      // Every task stored as JSON.stringify writes its fields, whichever way its line was read.
      const misstored = reader
        .prepare(`SELECT COUNT(*) FROM tasks WHERE run_id = ? AND (input != '{"n":' || substr(id, 6) || '}'
                  OR expected != '"answer-' || substr(id, 6) || '"' OR metadata != '{"pad":"' || ? || '"}')`)
        .pluck()
        .get(runId, 'p'.repeat(440));
      expect(misstored).toBe(0);
      const counts = reader.prepare(`SELECT COUNT(*) AS n, COUNT(DISTINCT seq) AS seqs, SUM(status = 'ok') AS ok FROM trials WHERE run_id = ?`).get(runId);
      expect(counts).toEqual({ n: 2 * TASKS, seqs: 2 * TASKS, ok: 2 * TASKS });
      const wrong = reader
        .prepare(`SELECT COUNT(*) FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
                  WHERE t.run_id = ? AND t.output != 'answer-' || substr(k.id, 6)`)
        .pluck()
        .get(runId);
      expect(wrong).toBe(0);
    } finally {
      reader.close();
    }
    const report = await runCli(['report', runId, '--db', db, '--format', 'json'], { cwd: dir });
    expect(JSON.parse(report.stdout)).toMatchObject({ run: { finished: 2 * TASKS, errors: 0 }, variants: [{ id: 'right', meanScore: 1 }, { id: 'also', meanScore: 1 }] });
  }, 180_000);
});
