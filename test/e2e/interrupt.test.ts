import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, REPO, runCli, startCli, tempDir } from '../support/cli.js';

/**
 * Ctrl-C (and SIGTERM) on a real `metaorch run`: the first signal stops scheduling and lets in-flight
 * trials finish within `--grace`, exits 130 and says how to resume; `metaorch resume` then completes the
 * run with every trial exactly once. A second signal cancels in-flight trials at once.
 */

const FIXTURE = join(REPO, 'test/fixtures/crash');
const PLANNED = 3 * 400; // experiment.yaml: 3 module variants x 400 tasks
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `predicate` holds (or fails the test after `timeoutMs`). */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** Calls logged by test/fixtures/crash/agent.js, as "variant task" keys. */
function calls(file: string): string[] {
  return lines(file).map((l) => l.split(' ').slice(1, 3).join(' '));
}

interface Counts {
  rows: number;
  seqs: number;
  finished: number;
  scheduled: number;
}

function inspect(dbFile: string, runId: string): { status: string; counts: Counts; finishedKeys: Set<string>; integrity: string } {
  const db = new Database(dbFile, { readonly: true });
  try {
    const run = db.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string };
    const counts = db
      .prepare(`SELECT COUNT(*) AS rows, COUNT(DISTINCT seq) AS seqs, COALESCE(SUM(status != 'scheduled'), 0) AS finished,
                  COALESCE(SUM(status = 'scheduled'), 0) AS scheduled FROM trials WHERE run_id = ?`)
      .get(runId) as Counts;
    const keys = db
      .prepare(`SELECT t.variant_id AS v, k.id AS t FROM trials t JOIN tasks k ON k.run_id = t.run_id AND k.idx = t.task_idx
                WHERE t.run_id = ? AND t.status != 'scheduled'`)
      .all(runId) as { v: string; t: string }[];
    return { status: run.status, counts, finishedKeys: new Set(keys.map((k) => `${k.v} ${k.t}`)), integrity: db.pragma('integrity_check', { simple: true }) as string };
  } finally {
    db.close();
  }
}

/** Rows of the trials table with status 'scheduled', or -1 while the store does not exist yet. */
function scheduledRows(dbFile: string): number {
  if (!existsSync(dbFile)) return -1;
  try {
    const db = new Database(dbFile, { readonly: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM trials WHERE status = 'scheduled'").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return -1; // being created
  }
}

describe('interrupting a run', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it.each(['SIGINT', 'SIGTERM'] as const)('%s: exits 130 within the grace period, resume completes every trial once', async (signal) => {
    const tmp = tempDir('metaorch-interrupt-');
    cleanup = tmp.cleanup;
    const dbFile = join(tmp.dir, 'store.db');
    const firstLog = join(tmp.dir, 'calls-0.log');
    const child = startCli(['run', join(FIXTURE, 'experiment.yaml'), '--db', dbFile, '--no-progress', '--grace', '10', '--out', join(tmp.dir, 'out')], {
      cwd: tmp.dir,
      env: { CRASH_TAG: '0', CRASH_LOG: firstLog, CRASH_MIN_MS: '20', CRASH_MAX_MS: '40' },
    });
    const exited = collect(child, 60_000);
    await waitFor('50 trials to start', () => lines(firstLog).length >= 50);
    const signalledAt = Date.now();
    child.kill(signal);
    const first = await exited;
    const tookMs = Date.now() - signalledAt;

    expect(first.code, first.stderr).toBe(130);
    expect(tookMs).toBeLessThan(10_000); // in-flight trials take 20-40 ms; the grace period is 10 s
    expect(first.stderr).toMatch(new RegExp(`${signal}: stopping: \\d+ in flight, Ctrl-C again to cancel`));
    const runId = /^Run (\S+)/.exec(first.stdout)?.[1] as string;
    expect(runId).toBeDefined();
    expect(first.stdout).toContain('interrupted');
    expect(first.stdout).toContain(`Resume with: metaorch resume ${runId}`);
    const stopped = inspect(dbFile, runId);
    expect(stopped.status).toBe('interrupted');
    expect(stopped.integrity).toBe('ok');
    // In-flight trials were allowed to finish and were recorded; nothing was left half-done.
    expect(stopped.counts.scheduled).toBe(0);
    expect(stopped.counts.finished).toBeGreaterThan(0);
    expect(stopped.counts.finished).toBeLessThan(PLANNED);
    expect(calls(firstLog).length).toBe(stopped.counts.finished);

    const resumeLog = join(tmp.dir, 'calls-1.log');
    const resumed = await runCli(['resume', runId, '--db', dbFile, '--no-progress', '--out', join(tmp.dir, 'out')], {
      cwd: tmp.dir,
      env: { CRASH_TAG: '1', CRASH_LOG: resumeLog, CRASH_MIN_MS: '1', CRASH_MAX_MS: '4' },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Run ${runId} completed: ${PLANNED.toLocaleString('en-US')} trials`);
    const done = inspect(dbFile, runId);
    expect(done.status).toBe('completed');
    expect(done.integrity).toBe('ok');
    expect(done.counts).toEqual({ rows: PLANNED, seqs: PLANNED, finished: PLANNED, scheduled: 0 });
    // Resume ran exactly the trials that were not finished, each once.
    const second = calls(resumeLog);
    expect(second.filter((k) => stopped.finishedKeys.has(k))).toEqual([]);
    expect(new Set(second).size).toBe(second.length);
    expect(second.length).toBe(PLANNED - stopped.counts.finished);
  }, 90_000);

  it.each(['SIGINT', 'SIGTERM'] as const)('a second %s cancels in-flight trials at once; they are left for resume', async (signal) => {
    const tmp = tempDir('metaorch-interrupt-');
    cleanup = tmp.cleanup;
    const dbFile = join(tmp.dir, 'store.db');
    // Every trial of slow.yaml takes 20 s; 4 run at once.
    const child = startCli(['run', join(FIXTURE, 'slow.yaml'), '--db', dbFile, '--no-progress', '--grace', '30', '--out', join(tmp.dir, 'out')], { cwd: tmp.dir });
    const exited = collect(child, 60_000);
    await waitFor('4 trials in flight', () => scheduledRows(dbFile) === 4);
    child.kill(signal);
    await sleep(1000);
    // Still in its grace period: the in-flight trials have ~19 s to go.
    expect(child.exitCode).toBeNull();
    expect(child.signalCode).toBeNull();
    const secondAt = Date.now();
    child.kill(signal);
    const result = await exited;
    const tookMs = Date.now() - secondAt;

    expect(result.code, result.stderr).toBe(130);
    expect(tookMs).toBeLessThan(8_000); // far less than the ~19 s the trials still needed
    expect(result.stderr).toMatch(new RegExp(`${signal}: cancelling \\d+ trials? in flight; \`metaorch resume\` runs (it|them) again`));
    const runId = /^Run (\S+)/.exec(result.stdout)?.[1] as string;
    expect(result.stdout).toContain(`Resume with: metaorch resume ${runId}`);
    const after = inspect(dbFile, runId);
    expect(after.status).toBe('interrupted');
    expect(after.integrity).toBe('ok');
    // Cancelled trials are not recorded as finished: they stay scheduled, for resume to run again.
    expect(after.counts).toEqual({ rows: 4, seqs: 4, finished: 0, scheduled: 4 });
  }, 90_000);

  it('the end of the grace period cancels in-flight trials; resume runs them again under the same ids', async () => {
    const tmp = tempDir('metaorch-interrupt-');
    cleanup = tmp.cleanup;
    const dbFile = join(tmp.dir, 'store.db');
    const firstLog = join(tmp.dir, 'calls-0.log');
    // The module variant reads its latency from the environment: 20 s now, a few ms on resume.
    const child = startCli(['run', join(FIXTURE, 'experiment.yaml'), '--db', dbFile, '--no-progress', '--grace', '1', '--out', join(tmp.dir, 'out')], {
      cwd: tmp.dir,
      env: { CRASH_TAG: '0', CRASH_LOG: firstLog, CRASH_MIN_MS: '20000', CRASH_MAX_MS: '20000' },
    });
    const exited = collect(child, 60_000);
    await waitFor('6 trials in flight', () => lines(firstLog).length === 6 && scheduledRows(dbFile) === 6);
    const signalledAt = Date.now();
    child.kill('SIGINT');
    const first = await exited;
    const tookMs = Date.now() - signalledAt;

    expect(first.code, first.stderr).toBe(130);
    expect(tookMs).toBeLessThan(10_000); // grace 1 s, far less than the ~20 s the trials needed
    const runId = /^Run (\S+)/.exec(first.stdout)?.[1] as string;
    expect(first.stdout).toContain(`Resume with: metaorch resume ${runId}`);
    const stopped = inspect(dbFile, runId);
    expect(stopped.status).toBe('interrupted');
    expect(stopped.counts).toEqual({ rows: 6, seqs: 6, finished: 0, scheduled: 6 });

    const resumeLog = join(tmp.dir, 'calls-1.log');
    const resumed = await runCli(['resume', runId, '--db', dbFile, '--no-progress', '--out', join(tmp.dir, 'out')], {
      cwd: tmp.dir,
      env: { CRASH_TAG: '1', CRASH_LOG: resumeLog, CRASH_MIN_MS: '1', CRASH_MAX_MS: '4' },
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = inspect(dbFile, runId);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ rows: PLANNED, seqs: PLANNED, finished: PLANNED, scheduled: 0 });
    const second = calls(resumeLog);
    expect(new Set(second).size).toBe(PLANNED);
    expect(second.length).toBe(PLANNED);
    for (const key of calls(firstLog)) expect(second).toContain(key); // the cancelled trials ran again
  }, 90_000);
});
