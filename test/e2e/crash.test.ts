import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, REPO, startCli, tempDir, type CliResult } from '../support/cli.js';

/**
 * Durability under `kill -9`: the real `metaorch run` is killed at seeded random moments (mid-run and
 * during resumes, including during start-up), resumed each time, then resumed to completion. The module
 * variant in test/fixtures/crash/agent.js logs every call with the tag of the process that made it, so
 * the test can prove that no trial recorded as finished before a kill was ever called again after it.
 */

const FIXTURE = join(REPO, 'test/fixtures/crash');
const PLANNED = 3 * 400; // variants x tasks x repeats in experiment.yaml
const MID_RUN_KILLS = 12;
const ANYTIME_KILLS = 3;
const SEED = Number(process.env['CRASH_SEED'] ?? 20_240_611);
const SLOW = { CRASH_MIN_MS: '10', CRASH_MAX_MS: '30' };
const FAST = { CRASH_MIN_MS: '1', CRASH_MAX_MS: '3' };

/** mulberry32: the test's own seeded source, so a failing kill schedule can be replayed with CRASH_SEED. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type KillKind = 'mid-run' | 'anytime';

/** Where the kills land: the first one mid-run (the run must exist to be resumed), the rest shuffled. */
function killPlan(rand: () => number): { kind: KillKind; delayMs: number }[] {
  const kinds = Array.from({ length: MID_RUN_KILLS }, (): KillKind => 'mid-run');
  for (let i = 0; i < ANYTIME_KILLS; i++) kinds.splice(1 + Math.floor(rand() * kinds.length), 0, 'anytime');
  // mid-run: 0-150 ms after the process made its first call; anytime: 0-1.2 s after spawn (start-up,
  // store recovery, replay or trials: wherever it falls; the CLI takes 0.3-1.5 s to start).
  return kinds.map((kind) => ({ kind, delayMs: Math.floor(rand() * (kind === 'mid-run' ? 150 : 1200)) }));
}

interface StoreState {
  finished: Set<string>;
  scheduled: number;
  status: string | undefined;
  integrity: string;
}

/** The store as a reader sees it; trials keyed "variant task" (the module's view of a trial). */
function readStore(dbFile: string, runId: string): StoreState {
  const db = new Database(dbFile, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT t.status, t.variant_id AS variant, k.id AS task FROM trials t
                JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx WHERE t.run_id = ?`)
      .all(runId) as { status: string; variant: string; task: string }[];
    const run = db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string } | undefined;
    return {
      finished: new Set(rows.filter((r) => r.status !== 'scheduled').map((r) => `${r.variant} ${r.task}`)),
      scheduled: rows.filter((r) => r.status === 'scheduled').length,
      status: run?.status,
      integrity: db.pragma('integrity_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

/** The calls process `tag` made, as "variant task" keys, in order. */
function callsOf(dir: string, tag: number): string[] {
  const file = join(dir, `calls-${tag}.log`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [t, variant, task] = line.split(' ');
      expect(t, `log line of process ${tag}`).toBe(String(tag));
      return `${variant} ${task}`;
    });
}

function until(predicate: () => boolean, done: Promise<unknown>): Promise<boolean> {
  let over = false;
  void done.then(() => (over = true));
  return new Promise((resolve) => {
    const tick = () => {
      if (predicate()) resolve(true);
      else if (over) resolve(false);
      else setTimeout(tick, 5);
    };
    tick();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 and resume', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it(`records every trial exactly once and never re-runs a finished one (seed ${SEED})`, async () => {
    const tmp = tempDir('metaorch-crash-');
    cleanup = tmp.cleanup;
    const dbFile = join(tmp.dir, 'store.db');
    const plan = killPlan(seeded(SEED));
    const start = (tag: number, runId: string | undefined) =>
      startCli(runId === undefined
        ? ['run', join(FIXTURE, 'experiment.yaml'), '--db', dbFile, '--no-progress', '--out', join(tmp.dir, 'out')]
        : ['resume', runId, '--db', dbFile, '--no-progress', '--out', join(tmp.dir, 'out')], {
        cwd: tmp.dir,
        // 10-30 ms trials while killing (about 300 trials/s, so the kills leave work for the final resume),
        // 1-3 ms for the final resume.
        env: { CRASH_TAG: String(tag), CRASH_LOG: join(tmp.dir, `calls-${tag}.log`), ...(tag < plan.length ? SLOW : FAST) },
      });

    let runId: string | undefined;
    let finishedBefore = new Set<string>();
    const reruns: string[] = [];
    const killed: { tag: number; kind: KillKind; delayMs: number; callsBefore: number; finishedAfter: number }[] = [];
    const check = (tag: number) => {
      const calls = callsOf(tmp.dir, tag);
      for (const key of calls) if (finishedBefore.has(key)) reruns.push(`process ${tag} called ${key}, finished before it started`);
      expect(new Set(calls).size, `process ${tag} called a trial twice`).toBe(calls.length);
      return calls.length;
    };

    for (const [tag, { kind, delayMs }] of plan.entries()) {
      const child = start(tag, runId);
      const exited = collect(child, 60_000);
      const log = join(tmp.dir, `calls-${tag}.log`);
      if (kind === 'mid-run') await until(() => existsSync(log) && statSync(log).size > 0, exited);
      await Promise.race([sleep(delayMs), exited]);
      child.kill('SIGKILL');
      const result: CliResult = await exited;
      runId ??= /^Run (\S+)/.exec(result.stdout)?.[1];
      expect(runId, `first process output: ${result.stdout}${result.stderr}`).toBeDefined();
      const callsBefore = check(tag);
      const state = readStore(dbFile, runId as string);
      expect(state.integrity).toBe('ok');
      // Nothing recorded is ever lost: what was finished before this process is still finished.
      for (const key of finishedBefore) expect(state.finished.has(key), `${key} lost after kill ${tag}`).toBe(true);
      finishedBefore = state.finished;
      if (result.signal !== 'SIGKILL') {
        // The process ended on its own before the kill (the run completed): stop killing.
        expect(result.code, result.stderr).toBe(0);
        break;
      }
      killed.push({ tag, kind, delayMs, callsBefore, finishedAfter: state.finished.size });
    }

    const last = plan.length;
    const final = await collect(start(last, runId), 60_000);
    expect(final.code, `${final.stdout}\n${final.stderr}`).toBe(0);
    expect(final.stdout).toMatch(/completed|nothing to resume/);
    check(last);

    // At least ten kills landed on a process that was running trials.
    expect(killed.filter((k) => k.callsBefore > 0).length, JSON.stringify(killed)).toBeGreaterThanOrEqual(10);
    expect(finishedBefore.size).toBeLessThan(PLANNED); // the last kill still left work for the final resume
    expect(reruns).toEqual([]);

    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const id = runId as string;
      const run = db.prepare('SELECT status, planned FROM runs WHERE id = ?').get(id) as { status: string; planned: number };
      expect(run).toEqual({ status: 'completed', planned: PLANNED });
      const agg = db
        .prepare(`SELECT COUNT(*) AS rows, COUNT(DISTINCT seq) AS seqs, MIN(seq) AS lo, MAX(seq) AS hi,
                    SUM(status = 'ok') AS ok, SUM(status = 'scheduled') AS scheduled FROM trials WHERE run_id = ?`)
        .get(id);
      expect(agg).toEqual({ rows: PLANNED, seqs: PLANNED, lo: 0, hi: PLANNED - 1, ok: PLANNED, scheduled: 0 });
      // Each row holds its own trial's answer: the variant and task it names are the ones that ran.
      const mismatched = db
        .prepare(`SELECT t.seq FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
                  WHERE t.run_id = ? AND t.output != t.variant_id || ':' || k.id`)
        .all(id);
      expect(mismatched).toEqual([]);
      // Every recorded trial was really called by some process.
      const called = new Set(Array.from({ length: last + 1 }, (_, tag) => callsOf(tmp.dir, tag)).flat());
      const keys = db
        .prepare('SELECT t.variant_id AS v, k.id AS t FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx WHERE t.run_id = ?')
        .all(id) as { v: string; t: string }[];
      expect(keys.filter((k) => !called.has(`${k.v} ${k.t}`))).toEqual([]);
    } finally {
      db.close();
    }
  }, 120_000);
});
