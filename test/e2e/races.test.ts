import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/config/load.js';
import { startRun } from '../../src/engine/run.js';
import type { RunObserver } from '../../src/engine/types.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { collect, REPO, runCli, startCli, tempDir, type CliResult } from '../support/cli.js';
import { trialEventSeqs } from '../../src/store/trial-events.js';

/**
 * Races between processes on one store: two `metaorch resume` of the same run started together (only
 * one may execute it: no trial is ever called twice, no trial announced twice in the events), and many
 * processes creating a missing store at once (all succeed). Each race runs at least 30 rounds.
 */

const ROUNDS = 30;
const AGENT = join(REPO, 'test/fixtures/crash/agent.js');
const OPEN_STORE = join(REPO, 'test/fixtures/reliability/open-store.js');
const TASKS = 200;
const PLANNED = 2 * TASKS;

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('metaorch-races-');
});
afterAll(() => tmp.cleanup());

/** Task inputs of 4 KB each: loading them widens the window between reading a run and claiming it. */
function writeExperiment(dir: string): string {
  const pad = 'x'.repeat(4096);
  writeFileSync(join(dir, 'tasks.jsonl'), Array.from({ length: TASKS }, (_, i) => JSON.stringify({ id: `t${i}`, input: { n: i, pad } })).join('\n'));
  const file = join(dir, 'race.yaml');
  writeFileSync(file, `name: race
seed: 5
concurrency: 8
retries: 0
prompt: "Echo {{n}}"
tasks: ./tasks.jsonl
variants:
  - { id: v0, adapter: module, file: ${JSON.stringify(AGENT)}, export: v0 }
  - { id: v1, adapter: module, file: ${JSON.stringify(AGENT)}, export: v1 }
`);
  return file;
}

/** A store holding one run interrupted after 40 trials (and those in flight then), as Ctrl-C leaves it. */
async function interruptedTemplate(dir: string): Promise<{ db: string; runId: string; finished: number }> {
  const experiment = await loadExperiment(writeExperiment(dir), {});
  const db = join(dir, 'template.db');
  const store = SqliteStore.open(db);
  const stop = new AbortController();
  let seen = 0;
  const stopAt40: RunObserver = { onTrialEnd: () => void (++seen >= 40 && stop.abort()) };
  const result = await startRun(experiment, { store, runId: 'race-run', observers: [stopAt40], stop: stop.signal });
  store.close();
  expect(result.status).toBe('interrupted');
  return { db, runId: result.runId, finished: result.finished };
}

function calls(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ').slice(1, 3).join(' '));
}

describe('two resumes of one run started together', () => {
  it(`only one executes it, in each of ${ROUNDS} rounds: no trial is called or announced twice`, async () => {
    const { db: template, runId, finished } = await interruptedTemplate(tmp.dir);
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const db = join(tmp.dir, `round-${round}.db`);
      copyFileSync(template, db);
      const logs = [0, 1].map((p) => join(tmp.dir, `calls-${round}-${p}.log`));
      const env = (p: number) => ({ CRASH_LOG: logs[p]!, CRASH_TAG: String(p), CRASH_MIN_MS: '5', CRASH_MAX_MS: '10' });
      const results: CliResult[] = await Promise.all(
        [0, 1].map((p) => collect(startCli(['resume', runId, '--db', db, '--no-progress', '--out', join(tmp.dir, `out-${round}-${p}`)], { cwd: tmp.dir, env: env(p) }), 60_000)),
      );
      const [a, b] = [calls(logs[0]!), calls(logs[1]!)];
      const both = a.filter((key) => new Set(b).has(key));
      expect(both, `round ${round}: trials called by both processes`).toEqual([]);
      for (const [p, r] of results.entries()) {
        const text = `round ${round}, process ${p}: ${r.stdout}${r.stderr}`;
        if (r.code === 2) expect(r.stderr, text).toMatch(/being executed by process \d+/);
        else expect(r.code, text).toBe(0);
      }
      expect(results.filter((r) => r.code === 0).length, `round ${round}`).toBeGreaterThanOrEqual(1);
      outcomes.push(results.map((r) => r.code).join('/'));

      const store = new Database(db, { readonly: true });
      try {
        const trials = store.prepare("SELECT COUNT(*) AS n, SUM(status = 'scheduled') AS scheduled FROM trials WHERE run_id = ?").get(runId);
        expect(trials, `round ${round}`).toEqual({ n: PLANNED, scheduled: 0 });
        expect(store.prepare('SELECT status FROM runs WHERE id = ?').get(runId)).toEqual({ status: 'completed' });
        const announced = (store.prepare("SELECT data FROM events WHERE run_id = ? AND type = 'trials'").all(runId) as { data: string }[])
          .flatMap((e) => trialEventSeqs(JSON.parse(e.data)));
        expect(announced.length, `round ${round}: a trial announced twice in the events`).toBe(new Set(announced).size);
        expect(announced.length).toBe(PLANNED);
      } finally {
        store.close();
      }
      expect(new Set([...a, ...b]).size, `round ${round}`).toBe(a.length + b.length);
      expect(a.length + b.length, `round ${round}`).toBe(PLANNED - finished);
    }
    // Most rounds really raced: the loser was refused while the winner ran (not merely late).
    expect(outcomes.filter((o) => o.includes('2')).length, outcomes.join(' ')).toBeGreaterThan(0);
  }, 240_000);
});

describe('many processes opening a missing store at once', () => {
  it(`all open it, in each of ${ROUNDS} rounds of 4 processes`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const db = join(tmp.dir, `fresh-${round}.db`);
      const at = String(Date.now() + 400);
      const outputs = await Promise.all(
        Array.from({ length: 4 }, () => {
          const child = spawn(process.execPath, [OPEN_STORE, db, at], { stdio: ['ignore', 'pipe', 'pipe'] });
          return collect(child, 30_000);
        }),
      );
      for (const o of outputs) expect(`${o.stdout}${o.stderr}`.trim(), `round ${round}`).toBe('ok');
    }
  }, 180_000);

  it('two `metaorch run` on a missing store both record their run (5 rounds)', async () => {
    writeFileSync(join(tmp.dir, 'tiny.yaml'), 'name: tiny\ntasks: [{ q: 1, expected: "1" }]\nvariants: [{ id: a, adapter: mock }]\n');
    for (let round = 0; round < 5; round++) {
      const db = join(tmp.dir, `two-runs-${round}.db`);
      const results = await Promise.all([0, 1].map(() => runCli(['run', 'tiny.yaml', '--db', db, '--no-progress'], { cwd: tmp.dir })));
      for (const r of results) expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
      const listed = await runCli(['runs', '--db', db, '--json'], { cwd: tmp.dir });
      expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(2);
    }
  }, 120_000);
});
