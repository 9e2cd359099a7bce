import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import type { Experiment } from '../config/experiment.js';
import { RunBusyError } from '../model/errors.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { resumeRun, startRun } from './run.js';
import type { RunObserver } from './types.js';

const experiment: Experiment = {
  name: 'ownership', mode: 'grid', seed: 5, repeats: 1, concurrency: 4, timeoutMs: 5000, retries: 0, threshold: 0.5, budget: {},
  objective: { score: 1, error: 0 }, snapshotEvery: 100,
  variants: [{ id: 'a', adapter: 'mock', options: { latencyMs: 5 } }],
  scorers: [], tasks: Array.from({ length: 200 }, (_, i) => ({ id: `t${i}`, input: { q: i } })), baseDir: process.cwd(), source: '<test>',
};

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});
function stores(): [SqliteStore, SqliteStore] {
  const { dir, cleanup } = tempDir();
  const a = SqliteStore.open(join(dir, 'o.db'));
  const b = SqliteStore.open(join(dir, 'o.db'));
  cleanups.push(() => a.close(), () => b.close(), cleanup);
  return [a, b];
}

describe('run ownership', () => {
  it('refuses to resume a run another live execution holds, and writes nothing for it', async () => {
    const [a, b] = stores();
    let attempt: Promise<unknown> | undefined;
    const tryResume: RunObserver = {
      onTrialEnd: () => {
        // Mid-run, a second execution (another connection, another owner) tries to resume the run.
        attempt ??= resumeRun('r1', { store: b }).then(() => null, (e: unknown) => e);
      },
    };
    const result = await startRun(experiment, { store: a, runId: 'r1', observers: [tryResume] });
    expect(result).toMatchObject({ status: 'completed', finished: 200 });
    const refused = await attempt;
    expect(refused).toBeInstanceOf(RunBusyError);
    expect(String(refused)).toMatch(/Run r1 is being executed by this same process \(its last heartbeat was \d+s ago\)/);
    expect(a.runTotals('r1').finished).toBe(200);
  });

  it('stops an execution whose lease was taken over: nothing more written, the new owner keeps the run', async () => {
    const [a, b] = stores();
    let tookOver = false;
    const takeOver: RunObserver = {
      onTrialEnd: () => {
        if (tookOver) return;
        tookOver = true;
        // As if this process had stalled for ten minutes: its lease is long expired.
        const claimed = b.claimRun('r1', { token: 'thief', pid: 999_999, host: 'elsewhere' }, { now: Date.now() + 600_000, leaseMs: 60_000, isAlive: () => true });
        expect(claimed).toEqual({ claimed: true });
      },
    };
    const error = await startRun(experiment, { store: a, runId: 'r1', observers: [takeOver] }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunBusyError);
    expect(String(error)).toMatch(/no longer owned by this process/);
    // The first batch can only hold what finished before the takeover was noticed; the run stays with its new owner.
    expect(b.runTotals('r1').finished).toBeLessThan(200);
    expect(b.getRun('r1')).toMatchObject({ status: 'running', pid: 999_999 });
    const trialsEvents = b.queries().eventsAfter(0, { runId: 'r1' }).filter((e) => e.type === 'trials').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(b.queries().eventsAfter(0, { runId: 'r1' }).filter((e) => e.type === 'trials').length).toBe(trialsEvents);
  });
});
