import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import type { Experiment } from '../config/experiment.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';
import { describeRunQueriesContract } from './run-queries-contract.test-utils.js';
import { SqliteRunQueries } from './sqlite-run-queries.js';
import { describeStoreContract } from './store-contract.test-utils.js';

describeStoreContract('SqliteStore', () => {
  const { dir, cleanup } = tempDir();
  return { store: SqliteStore.open(join(dir, 'contract.db')), cleanup };
});

// The read side on its own connection, as `report` and the dashboard open it.
describeRunQueriesContract('SqliteRunQueries', () => {
  const { dir, cleanup } = tempDir();
  const store = SqliteStore.open(join(dir, 'contract.db'));
  return { store, queries: SqliteRunQueries.open(join(dir, 'contract.db')), cleanup };
});

const experiment: Experiment = {
  name: 'store-test', mode: 'grid', seed: 3, repeats: 1, concurrency: 2, timeoutMs: 1000, retries: 0, threshold: 0.5, budget: {},
  objective: { score: 1, error: 0 }, snapshotEvery: 25,
  variants: [{ id: 'a', adapter: 'mock', options: {} }], scorers: [], tasks: [{ id: 't0', input: { q: 1 } }],
  baseDir: '/tmp', source: '/tmp/exp.yaml',
};
const spec: TrialSpec = { runId: 'r1', seq: 2, variantId: 'a', task: experiment.tasks.at(0)!, taskIdx: 0, repeat: 0, seed: 2 };
const outcome: TrialOutcome = {
  seq: 2, status: 'ok', prompt: 'p', output: 'late', scores: [], score: 1, passed: true, attempts: [{ n: 1, latencyMs: 3 }],
  latencyMs: 3, tokens: { input: 1, output: 2 }, cost: 0.5, error: null, startedAt: 1, finishedAt: 2,
};

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});
function open(): { store: SqliteStore; path: string } {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'm.db');
  const store = SqliteStore.open(path);
  cleanups.push(() => store.close(), cleanup);
  return { store, path };
}

describe('SqliteStore (SQLite specifics)', () => {
  it('migrates with PRAGMA user_version, in WAL mode, and reopens without re-running migrations', () => {
    const { store, path } = open();
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
    const again = SqliteStore.open(path);
    expect(again.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it('upgrades a store of the previous schema in place; its running runs are claimed by whether their pid lives', () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!);
    old.exec(MIGRATIONS[1]!);
    old.pragma('user_version = 2');
    const insert = old.prepare(`INSERT INTO runs (id, name, mode, status, seed, config, source, created_at, pid) VALUES (?, 'n', 'grid', 'running', 1, '{}', 's', 0, ?)`);
    insert.run('killed', 2 ** 22 + 12_345); // above Linux's default pid_max: no such process
    insert.run('live', process.pid);
    old.close();
    const store = SqliteStore.open(path);
    cleanups.push(() => store.close());
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const options = { now: Date.now(), leaseMs: 60_000, isAlive: (pid: number) => pid === process.pid };
    const owner = { token: 't', pid: process.pid, host: 'h' };
    expect(store.claimRun('killed', owner, options)).toEqual({ claimed: true });
    expect(store.claimRun('live', owner, options)).toMatchObject({ claimed: false, holder: { pid: process.pid, heartbeatAt: null } });
  });

  it('refuses a store written by a newer version', () => {
    const { store, path } = open();
    store.close();
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => SqliteStore.open(path)).toThrow(/newer meta-orchestrator/);
  });

  it('commits a finished result within about 100 ms even with no further writes (another connection sees it)', async () => {
    const { store, path } = open();
    store.createRun('r1', experiment, 4);
    const writer = store.trialWriter('r1');
    writer.finished(spec, outcome);
    await new Promise((r) => setTimeout(r, 120));
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare("SELECT COUNT(*) AS n FROM trials WHERE status = 'ok'").get()).toEqual({ n: 1 });
    reader.close();
    writer.close();
  });

  it('keeps a batch whose commit failed (a full disk), tells onError once, and commits it on an explicit flush', async () => {
    const { store } = open();
    store.createRun('r1', experiment, 4);
    const failures: unknown[] = [];
    const writer = store.trialWriter('r1', { onError: (e) => failures.push(e) });
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    const big = { ...outcome, output: 'x'.repeat(20_000) };
    writer.finished({ ...spec, seq: 0 }, { ...big, seq: 0 });
    await new Promise((r) => setTimeout(r, 150)); // the timer's commit fails: nothing is thrown from it
    writer.finished({ ...spec, seq: 1 }, { ...big, seq: 1 }); // nor into the next write
    expect(failures.map(String)).toEqual([expect.stringMatching(/full/i)]);
    expect(() => writer.flush()).toThrow(/full/i);
    store.db.pragma('max_page_count = 1073741823');
    writer.close();
    expect([...store.queries().trials('r1')].map((t) => [t.seq, t.output?.length])).toEqual([[0, 20_000], [1, 20_000]]);
  });
});
