import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import type { Experiment } from '../config/experiment.js';
import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

const experiment: Experiment = {
  name: 'store-test', mode: 'grid', seed: 3, repeats: 1, concurrency: 2, timeoutMs: 1000, retries: 0, threshold: 0.5, budget: {},
  objective: { score: 1, error: 0 }, snapshotEvery: 25,
  variants: [{ id: 'a', adapter: 'mock', options: { apiKey: '${SOME_KEY}' } }, { id: 'b', adapter: 'mock', options: {} }],
  scorers: [], tasks: [{ id: 't0', input: { q: 1 }, expected: 'x' }, { id: 't1', input: { q: 2 }, metadata: { lang: 'fr' } }],
  baseDir: '/tmp', source: '/tmp/exp.yaml',
};

const spec = (seq: number, variantId = 'a'): TrialSpec => ({ runId: 'r1', seq, variantId, task: experiment.tasks[seq % 2]!, taskIdx: seq % 2, repeat: 0, seed: seq });
const outcome = (seq: number, output: string): TrialOutcome => ({
  seq, status: 'ok', prompt: 'p', output, scores: [], score: 1, passed: true, attempts: [{ n: 1, latencyMs: 3 }],
  latencyMs: 3, tokens: { input: 1, output: 2 }, cost: 0.5, error: null, startedAt: 1, finishedAt: 2,
});

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

describe('SqliteStore', () => {
  it('migrates with PRAGMA user_version, in WAL mode, and reopens without re-running migrations', () => {
    const { store, path } = open();
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
    const again = SqliteStore.open(path);
    expect(again.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    again.close();
  });

  it('refuses a store written by a newer version', () => {
    const { store, path } = open();
    store.close();
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => SqliteStore.open(path)).toThrow(/newer meta-orchestrator/);
  });

  it('round-trips the experiment with env references intact, tasks in order', () => {
    const { store } = open();
    store.createRun('r1', experiment, 4);
    const loaded = store.loadExperiment('r1');
    expect(loaded).toEqual(experiment);
    expect(store.getRun('r1')).toMatchObject({ status: 'running', seed: 3, planned: 4, name: 'store-test' });
  });

  it('writes a result once: a second write of the same trial is ignored', () => {
    const { store } = open();
    store.createRun('r1', experiment, 4);
    const writer = store.trialWriter('r1');
    writer.scheduled(spec(0));
    writer.scheduled(spec(1));
    writer.finished(spec(0), outcome(0, 'first'));
    writer.flush();
    writer.finished(spec(0), outcome(0, 'second'));
    writer.scheduled(spec(0));
    writer.close();
    const trials = [...store.iterateTrials('r1')];
    expect(trials.map((t) => [t.seq, t.status, t.output])).toEqual([[0, 'ok', 'first'], [1, 'scheduled', null]]);
    expect(store.unfinishedTrials('r1').map((t) => t.seq)).toEqual([1]);
    const bits = store.finishedBitmap('r1', 4);
    expect([0, 1, 2, 3].map((s) => ((bits[s >> 3] ?? 0) >> (s & 7)) & 1)).toEqual([1, 0, 0, 0]);
  });

  it('commits a finished result within about 100 ms even with no further writes', async () => {
    const { store, path } = open();
    store.createRun('r1', experiment, 4);
    const writer = store.trialWriter('r1');
    writer.finished(spec(2), outcome(2, 'late'));
    await new Promise((r) => setTimeout(r, 120));
    const reader = new Database(path, { readonly: true });
    expect(reader.prepare("SELECT COUNT(*) AS n FROM trials WHERE status = 'ok'").get()).toEqual({ n: 1 });
    reader.close();
    writer.close();
  });

  it('appends events with increasing sequence numbers, one per flushed batch of trials', () => {
    const { store } = open();
    store.createRun('r1', experiment, 4);
    const writer = store.trialWriter('r1');
    writer.finished(spec(0), outcome(0, 'x'));
    writer.finished(spec(1, 'b'), outcome(1, 'y'));
    writer.close();
    store.updateRun('r1', { status: 'completed', stopReason: 'done' });
    const events = store.eventsSince(0, 'r1');
    expect(events.map((e) => e.type)).toEqual(['run', 'trials', 'run']);
    expect(events[1]?.data).toEqual({ seqs: [0, 1] });
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(store.eventsSince(events[1]!.seq, 'r1').map((e) => e.type)).toEqual(['run']);
  });

  it('resolves run references by id, unique prefix and latest, and lists known runs on a miss', () => {
    const { store } = open();
    store.createRun('20260101-000000-aaaa', experiment, 4);
    store.createRun('20260102-000000-bbbb', experiment, 4);
    expect(store.resolveRunId('20260101')).toBe('20260101-000000-aaaa');
    expect(store.resolveRunId('latest')).toBe('20260102-000000-bbbb');
    expect(() => store.resolveRunId('2026')).toThrow(/'2026' matches several runs \(20260102-000000-bbbb, 20260101-000000-aaaa\)/);
    expect(() => store.resolveRunId('zzz')).toThrow(/Known runs: 20260102-000000-bbbb, 20260101-000000-aaaa/);
    expect(() => store.resolveRunId('nope')).toThrow(/No run 'nope'/);
  });
});
