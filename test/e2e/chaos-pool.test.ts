import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { expectRunComplete, seeded, sleep } from '../support/chaos.js';
import { collect, REPO, startCli, tempDir } from '../support/cli.js';
import { childrenOf, descendantsOf, isAlive, killAll, processState, waitGone } from '../support/processes.js';

/**
 * The pool executor under abuse, through the real CLI (`metaorch run` with `executor: pool`):
 * producers killed with SIGKILL at random moments, a producer stopped with SIGSTOP, the run process
 * itself killed. Every case ends with each planned trial recorded once, the report counting the plan,
 * an intact store and no process left. CHAOS_LONG=1 (npm run chaos) kills many more times.
 */

const FIXTURE = join(REPO, 'test/fixtures/crash');
const LONG = process.env['CHAOS_LONG'] === '1';
const SEED = Number(process.env['CHAOS_SEED'] ?? 20_261_201);
const KILLS = LONG ? 100 : 22;

const spawned = new Set<number>();
let cleanup: (() => void) | undefined;
afterEach(() => {
  killAll(spawned);
  spawned.clear();
  cleanup?.();
});

/** A grid on the durability fixture's module variants (each call 1-30 ms), on a pool. */
function experiment(dir: string, tasks: number, executor: string, concurrency = 8, repeats = 1): string {
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, [
    'name: chaos-pool', 'mode: grid', 'seed: 5', `repeats: ${repeats}`, `concurrency: ${concurrency}`, 'timeout: 30s', 'retries: 2',
    'prompt: "Echo {{n}}"', `tasks: { file: ${join(FIXTURE, 'tasks.jsonl')}, limit: ${tasks} }`, `executor: ${executor}`, 'variants:',
    ...['v0', 'v1', 'v2'].map((v) => `  - { id: ${v}, adapter: module, file: ${join(FIXTURE, 'agent.js')}, export: ${v} }`), '',
  ].join('\n'));
  return file;
}

/**
 * Producers known to be ready: the first ones once the run is in the store (the executor is ready
 * before anything is written), replacements once the run logs `... (producer, pid N) is ready again`.
 */
function readyProducers(child: ChildProcess, dbFile: string): () => number[] {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer | string) => (stderr += String(d)));
  let initial: number[] | null = null;
  return () => {
    if (initial === null) {
      if (!existsSync(dbFile) || !runExists(dbFile)) return [];
      initial = childrenOf(child.pid as number).map((c) => c.pid);
    }
    const again = [...stderr.matchAll(/\(producer, pid (\d+)\) is ready again/g)].map((m) => Number(m[1]));
    return [...initial, ...again].filter(isAlive);
  };
}

function runExists(dbFile: string): boolean {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT COUNT(*) FROM runs').pluck().get() === 1;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

function track(runPid: number): void {
  spawned.add(runPid);
  for (const c of childrenOf(runPid)) spawned.add(c.pid);
}

/** Notes every child the run process has, until it ends (so replaced producers are checked too). */
function trackUntil(runPid: number, done: Promise<unknown>): void {
  let over = false;
  void done.then(() => (over = true));
  const tick = () => {
    if (over) return;
    track(runPid);
    setTimeout(tick, 50);
  };
  tick();
}

describe('pool chaos', () => {
  it(`completes by itself while producers are killed with SIGKILL ${KILLS} times (seed ${SEED})`, async () => {
    const tmp = tempDir('metaorch-chaos-pool-');
    cleanup = tmp.cleanup;
    const repeats = LONG ? 16 : 2;
    const planned = 3 * 400 * repeats;
    const file = experiment(tmp.dir, 400, '{ type: pool, workers: 2 }', 6, repeats);
    const dbFile = join(tmp.dir, 's.db');
    const child = startCli(['run', file, '--db', dbFile, '--no-progress', '--out', join(tmp.dir, 'out')], {
      cwd: tmp.dir, // Trials slow enough (about 30 s of work) that a loaded machine, where a producer takes a second or
      // more to come back, still sees every kill land before the run ends.
      env: { CRASH_MIN_MS: '40', CRASH_MAX_MS: '100' },
    });
    const ready = readyProducers(child, dbFile);
    const exited = collect(child, LONG ? 900_000 : 240_000);
    const runPid = child.pid as number;
    trackUntil(runPid, exited);
    const rand = seeded(SEED);
    let kills = 0;
    let done = false;
    void exited.then(() => (done = true));
    while (!done && kills < KILLS) {
      await sleep(40 + Math.floor(rand() * 160));
      track(runPid);
      const victims = ready();
      // Kills land on a running pool: while a producer is being replaced, the other one is left alone.
      if (done || victims.length < 2) continue;
      const victim = victims[Math.floor(rand() * victims.length)] as number;
      try {
        process.kill(victim, 'SIGKILL');
        kills++;
      } catch {
        // it ended between the listing and the kill
      }
    }
    const result = await exited;
    expect(result.code, `${result.stdout}\n${result.stderr.slice(-3000)}`).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect(result.stderr).toMatch(/died while running trials \(signal SIGKILL\); restarting it/);
    const runId = /^Run (\S+)/.exec(result.stdout)?.[1] as string;
    const check = expectRunComplete(dbFile, runId, planned, join(tmp.dir, 'out', 'summary.json'));
    expect(check).toEqual({ status: 'completed', ok: planned, errors: 0 });
    expect(await waitGone([...spawned], 5000)).toEqual([]);
  }, LONG ? 900_000 : 300_000);

  it('errors the trials of a module that calls process.exit(1) with kind process, after their retries', async () => {
    const tmp = tempDir('metaorch-chaos-pool-');
    cleanup = tmp.cleanup;
    // Exits its process on every 50th task; otherwise answers after a few milliseconds.
    writeFileSync(join(tmp.dir, 'exits.mjs'), 'export default async (input) => { if (input.n % 50 === 7) process.exit(1); await new Promise((r) => setTimeout(r, 3)); return String(input.n); };\n');
    const file = join(tmp.dir, 'exp.yaml');
    writeFileSync(file, [
      'name: exits', 'seed: 5', 'concurrency: 8', 'retries: 2', 'prompt: "{{n}}"', `tasks: { file: ${join(FIXTURE, 'tasks.jsonl')}, limit: 200 }`,
      'executor: { type: pool, workers: 2 }', 'variants:',
      `  - { id: steady, adapter: module, file: ${join(FIXTURE, 'agent.js')}, export: v0 }`,
      `  - { id: exits, adapter: module, file: ${join(tmp.dir, 'exits.mjs')} }`, '',
    ].join('\n'));
    const dbFile = join(tmp.dir, 's.db');
    const child = startCli(['run', file, '--db', dbFile, '--no-progress', '--out', join(tmp.dir, 'out')], { cwd: tmp.dir, env: { CRASH_MIN_MS: '1', CRASH_MAX_MS: '5' } });
    const exited = collect(child, 180_000);
    trackUntil(child.pid as number, exited);
    const result = await exited;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const runId = /^Run (\S+)/.exec(result.stdout)?.[1] as string;
    // Tasks 7, 57, 107, 157 of the exiting variant: each killed its producer three times, alone.
    expect(expectRunComplete(dbFile, runId, 400, join(tmp.dir, 'out', 'summary.json'))).toEqual({ status: 'completed', ok: 396, errors: 4 });
    const db = new Database(dbFile, { readonly: true });
    const errors = db.prepare("SELECT variant_id AS v, error_kind AS kind, attempt_count AS n FROM trials WHERE run_id = ? AND status = 'error'").all(runId);
    db.close();
    expect(errors).toEqual(Array(4).fill({ v: 'exits', kind: 'process', n: 3 }));
    expect(await waitGone([...spawned], 5000)).toEqual([]);
  }, 180_000);

  it('kills and replaces a producer stopped with SIGSTOP beyond its heartbeat', async () => {
    const tmp = tempDir('metaorch-chaos-pool-');
    cleanup = tmp.cleanup;
    const file = experiment(tmp.dir, 200, '{ type: pool, workers: 2, heartbeat: 1s }');
    const dbFile = join(tmp.dir, 's.db');
    const child = startCli(['run', file, '--db', dbFile, '--no-progress', '--out', join(tmp.dir, 'out')], {
      cwd: tmp.dir, env: { CRASH_MIN_MS: '10', CRASH_MAX_MS: '20' },
    });
    const ready = readyProducers(child, dbFile);
    const exited = collect(child, 120_000);
    const runPid = child.pid as number;
    trackUntil(runPid, exited);
    let victims: number[] = [];
    while (victims.length < 2) {
      await sleep(50);
      victims = ready();
    }
    track(runPid);
    const stopped = victims[0] as number;
    process.kill(stopped, 'SIGSTOP');
    for (let i = 0; i < 1000 && processState(stopped) !== 'T'; i++) await sleep(5);
    expect(processState(stopped)).toBe('T');
    // Killed after about a second of silence, and a new producer takes its place.
    expect(await waitGone([stopped], 10_000)).toEqual([]);
    let replaced: number[] = [];
    for (let i = 0; i < 100 && replaced.length === 0; i++) {
      await sleep(50);
      replaced = childrenOf(runPid).map((c) => c.pid).filter((p) => !victims.includes(p));
    }
    expect(replaced.length).toBeGreaterThan(0);
    track(runPid);
    const result = await exited;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    // At least the heartbeat's second; more when the master's own timers run late on a loaded machine.
    const silence = new RegExp(`killing producer-\\d \\(pid ${stopped}\\): no heartbeat for (\\d+(?:\\.\\d)?)s`).exec(result.stderr);
    expect(silence, result.stderr.slice(-3000)).not.toBeNull();
    expect(Number(silence?.[1])).toBeGreaterThanOrEqual(1);
    const runId = /^Run (\S+)/.exec(result.stdout)?.[1] as string;
    expect(expectRunComplete(dbFile, runId, 600, join(tmp.dir, 'out', 'summary.json'))).toEqual({ status: 'completed', ok: 600, errors: 0 });
    expect(await waitGone([...spawned], 5000)).toEqual([]);
  }, 180_000);

  it('leaves no producer behind when the run process is killed with SIGKILL, and resume completes', async () => {
    const tmp = tempDir('metaorch-chaos-pool-');
    cleanup = tmp.cleanup;
    const file = experiment(tmp.dir, 200, '{ type: pool, workers: 2 }');
    const dbFile = join(tmp.dir, 's.db');
    const child = startCli(['run', file, '--db', dbFile, '--no-progress'], { cwd: tmp.dir, env: { CRASH_MIN_MS: '20', CRASH_MAX_MS: '40' } });
    const ready = readyProducers(child, dbFile);
    const exited = collect(child, 120_000);
    const runPid = child.pid as number;
    let producers: number[] = [];
    while (producers.length < 2) {
      await sleep(50);
      producers = ready();
    }
    await sleep(200);
    track(runPid);
    process.kill(runPid, 'SIGKILL');
    const killed = await exited;
    expect(killed.signal).toBe('SIGKILL');
    // The producers notice the lost channel (or their watchdog does) and exit.
    expect(await waitGone(producers, 3000)).toEqual([]);
    const runId = /^Run (\S+)/.exec(killed.stdout)?.[1] as string;
    const resumed = await collect(startCli(['resume', runId, '--db', dbFile, '--no-progress', '--out', join(tmp.dir, 'out')], { cwd: tmp.dir, env: { CRASH_MIN_MS: '1', CRASH_MAX_MS: '3' } }), 120_000);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('executor');
    expect(expectRunComplete(dbFile, runId, 600, join(tmp.dir, 'out', 'summary.json'))).toEqual({ status: 'completed', ok: 600, errors: 0 });
    for (const pid of producers) expect(isAlive(pid)).toBe(false);
  }, 180_000);

  it('ends the commands a producer ran (exec variants, in their own process groups) when it is killed with SIGKILL', async () => {
    const tmp = tempDir('metaorch-chaos-pool-');
    cleanup = tmp.cleanup;
    const file = join(tmp.dir, 'exp.yaml');
    writeFileSync(file, [
      'name: exec-groups', 'mode: grid', 'seed: 5', 'concurrency: 2', 'timeout: 60s', 'retries: 0', 'prompt: "x{{n}}"',
      'tasks: [{ input: { n: 1 } }, { input: { n: 2 } }]', 'executor: { type: pool, workers: 1, heartbeat: 2s }', 'variants:',
      '  - { id: slow, adapter: exec, command: ["sleep", "31.337"] }', '',
    ].join('\n'));
    const dbFile = join(tmp.dir, 's.db');
    const child = startCli(['run', file, '--db', dbFile, '--no-progress'], { cwd: tmp.dir });
    const exited = collect(child, 120_000);
    const runPid = child.pid as number;
    track(runPid);
    const sleeps = () => descendantsOf(runPid).filter((pid) => readCmdline(pid) === 'sleep 31.337');
    let first: number[] = [];
    for (let waited = 0; first.length < 2 && waited < 60_000; waited += 50) {
      await sleep(50);
      first = sleeps();
    }
    expect(first).toHaveLength(2);
    for (const pid of first) spawned.add(pid);
    // A heartbeat (every 400 ms here) has told the master about the commands' groups: seven of them,
    // so a producer whose timers run late on a loaded machine has still sent one.
    await sleep(3000);
    const producer = childrenOf(runPid).map((c) => c.pid).find((pid) => descendantsOf(pid).some((d) => first.includes(d)));
    expect(producer).toBeDefined();
    process.kill(producer as number, 'SIGKILL');
    expect(await waitGone(first, 5000)).toEqual([]);
    process.kill(runPid, 'SIGKILL');
    await exited;
    for (const pid of sleeps()) spawned.add(pid);
  }, 180_000);
});

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}
