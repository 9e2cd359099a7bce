import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import type { Experiment } from '../config/experiment.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { resumeRun, startRun } from './run.js';
import type { RunObserver } from './types.js';

const tasks = Array.from({ length: 40 }, (_, i) => ({ id: `t${i}`, input: { q: `question ${i}` }, expected: `answer ${i}` }));

function adaptive(overrides: Partial<Experiment> = {}): Experiment {
  return {
    name: 'adaptive-test', mode: 'adaptive', seed: 11, repeats: 1, concurrency: 1, timeoutMs: 5000, retries: 0, threshold: 0.5,
    budget: { trials: 300 }, objective: { score: 1, error: 0 }, snapshotEvery: 50, policy: { name: 'thompson' },
    variants: [
      { id: 'weak', adapter: 'mock', options: { accuracy: 0.62 } },
      { id: 'medium', adapter: 'mock', options: { accuracy: 0.7 } },
      { id: 'strong', adapter: 'mock', options: { accuracy: 0.78 } },
    ],
    scorers: [{ type: 'equals', weight: 1, options: {} }], tasks, baseDir: process.cwd(), source: '<test>', ...overrides,
  };
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});
function store(): SqliteStore {
  const { dir, cleanup } = tempDir();
  const s = SqliteStore.open(join(dir, 'a.db'));
  cleanups.push(() => s.close(), cleanup);
  return s;
}

const choices = (s: SqliteStore, runId: string) => [...s.queries().trials(runId)].map((t) => `${t.seq}:${t.variantId}:${t.taskId}`);

describe('adaptive runs', () => {
  it('after a resume, makes exactly the choices an uninterrupted run makes (seed, concurrency 1)', async () => {
    for (const policy of ['thompson', 'top-two', 'ucb1', 'epsilon-greedy', 'weighted']) {
      const a = store();
      const whole = await startRun(adaptive({ policy: { name: policy } }), { store: a, runId: 'whole' });
      expect(whole.finished).toBe(300);

      const b = store();
      const stop = new AbortController();
      let ended = 0;
      const stopAt120: RunObserver = { onTrialEnd: () => void (++ended === 120 && stop.abort()) };
      const first = await startRun(adaptive({ policy: { name: policy } }), { store: b, runId: 'split', observers: [stopAt120], stop: stop.signal });
      expect(first.status).toBe('interrupted');
      expect(first.finished).toBeGreaterThanOrEqual(120);
      expect(first.finished).toBeLessThan(300);
      const second = await resumeRun('split', { store: b });
      expect(second.status).toBe('completed');
      expect(choices(b, 'split'), policy).toEqual(choices(a, 'whole'));
    }
  });

  it('records policy snapshots for plotting the allocation over time', async () => {
    const s = store();
    await startRun(adaptive(), { store: s, runId: 'snap' });
    const snapshots = s.queries().eventsAfter(0, { runId: 'snap' }).filter((e) => e.type === 'policy').map((e) => e.data as { finished: number; counts: number[]; probabilities?: number[] });
    expect(snapshots.map((x) => x.finished)).toEqual([50, 100, 150, 200, 250, 300]);
    for (const snap of snapshots) {
      expect(snap.counts.reduce((a, b) => a + b, 0)).toBe(snap.finished);
      expect((snap.probabilities ?? []).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });

  it('draws tasks in a seeded order that does not depend on the choices', async () => {
    const s = store();
    await startRun(adaptive({ policy: { name: 'thompson' } }), { store: s, runId: 'x' });
    await startRun(adaptive({ policy: { name: 'uniform' } }), { store: s, runId: 'y' });
    const taskSeq = (id: string) => [...s.queries().trials(id)].map((t) => t.taskId);
    expect(taskSeq('x')).toEqual(taskSeq('y'));
    expect(new Set(taskSeq('x').slice(0, 40)).size).toBe(40);
  });

  it('with stop: { confidence: 0.95 } names the truly best variant in at least 95% of seeded repetitions', async () => {
    const s = store();
    let right = 0;
    const reps = 20;
    for (let seed = 1; seed <= reps; seed++) {
      const r = await startRun(adaptive({ seed, concurrency: 8, budget: { trials: 20_000 }, policy: { name: 'top-two' }, stop: { confidence: 0.95, minTrials: 5 } }), { store: s, runId: `id-${seed}` });
      expect(r.stopReason).toBe('confident');
      const decision = s.queries().eventsAfter(0, { runId: `id-${seed}` }).find((e) => e.type === 'decision')?.data as { best: string };
      if (decision.best === 'strong') right++;
    }
    expect(right / reps).toBeGreaterThanOrEqual(0.95);
  });
});

describe('continuous runs', () => {
  const continuous = (overrides: Partial<Experiment> = {}) =>
    adaptive({ mode: 'continuous', policy: { name: 'thompson', discount: 0.999 }, budget: { trials: 250 }, ...overrides });

  it('run until the trial budget, cycling the tasks in a fresh seeded permutation per pass', async () => {
    const s = store();
    const r = await startRun(continuous(), { store: s, runId: 'c' });
    expect(r).toMatchObject({ status: 'completed', stopReason: 'budget:trials', finished: 250 });
    const trials = [...s.queries().trials('c')];
    for (let pass = 0; pass < 6; pass++) {
      const slice = trials.slice(pass * 40, (pass + 1) * 40);
      expect(new Set(slice.map((t) => t.taskId)).size, `pass ${pass}`).toBe(slice.length);
      expect(slice.every((t) => t.repeat === pass)).toBe(true);
    }
    expect(trials.slice(0, 40).map((t) => t.taskId)).not.toEqual(trials.slice(40, 80).map((t) => t.taskId));
  });

  it('keep going until stopped when there is no budget, and resume exactly', async () => {
    const a = store();
    const whole = await startRun(continuous({ budget: { trials: 300 } }), { store: a, runId: 'whole' });
    expect(whole.finished).toBe(300);
    const b = store();
    const stop = new AbortController();
    let ended = 0;
    const stopAt130: RunObserver = { onTrialEnd: () => void (++ended === 130 && stop.abort()) };
    const first = await startRun(continuous({ budget: {} }), { store: b, runId: 'open', observers: [stopAt130], stop: stop.signal });
    expect(first).toMatchObject({ status: 'interrupted', stopReason: 'interrupted', finished: 130 });
    expect(b.getRun('open')?.planned).toBeNull();
    // The stored experiment has no budget; the resumed run continues until stopped again.
    const stop2 = new AbortController();
    let more = 0;
    const stopAt170: RunObserver = { onTrialEnd: () => void (++more === 170 && stop2.abort()) };
    const second = await resumeRun('open', { store: b, observers: [stopAt170], stop: stop2.signal });
    expect(second.finished).toBe(300);
    expect(choices(b, 'open')).toEqual(choices(a, 'whole'));
  });
});
