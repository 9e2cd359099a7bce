import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadExperiment } from '../config/load.js';
import { resumeRun, startRun } from '../engine/run.js';
import { SqliteStore } from '../store/sqlite-store.js';

/**
 * The unique-items scorer is the run's, whoever scores the trial: on pool producers (each process
 * knows only its own items) and after a resume the master decides it. Every mock reply names the same
 * items, so exactly the first trial of the run finds anything new.
 */

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function setup(extra = ''): string {
  dir = mkdtempSync(join(tmpdir(), 'metaorch-unique-'));
  const tasks = Array.from({ length: 24 }, (_, i) => JSON.stringify({ id: `t${i}`, input: { n: i } })).join('\n');
  writeFileSync(join(dir, 'tasks.jsonl'), `${tasks}\n`);
  writeFileSync(join(dir, 'exp.yaml'), [
    'name: unique', 'seed: 4', 'concurrency: 4', 'prompt: "n={{n}}"', 'tasks: ./tasks.jsonl', extra,
    'scorers: [{ type: unique-items }, { type: contains, value: Louvre, weight: 1 }]',
    'variants:',
    '  - { id: a, adapter: mock, reply: "Louvre\\nEiffel Tower\\nthe louvre", latencyMs: 5 }',
  ].join('\n'));
  return join(dir, 'exp.yaml');
}

/** Each finished trial's unique-items score and combined score, in seq order. */
function scoresOf(store: SqliteStore, runId: string) {
  return [...store.queries().trials(runId)].filter((t) => t.status === 'ok').map((t) => ({ seq: t.seq, unique: t.scores[0]!.score, score: t.score, reason: t.scores[0]!.reason }));
}

describe('unique-items decided by the one writer', () => {
  it('on two pool producers, only the run\'s first reply has new items', async () => {
    const file = setup();
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const experiment = await loadExperiment(file, process.env, { executor: { type: 'pool', workers: 2 } });
      const run = await startRun(experiment, { store });
      expect(run).toMatchObject({ status: 'completed', finished: 24 });
      const scores = scoresOf(store, run.runId);
      expect(scores).toHaveLength(24);
      // 2 items ("the louvre" is the Louvre): the first reply finds both, every later one none.
      const firsts = scores.filter((s) => s.unique > 0);
      expect(firsts).toHaveLength(1);
      expect(firsts[0]).toMatchObject({ unique: 2 / 3, score: (2 / 3 + 1) / 2, reason: '2 new of 3 items in the run' });
      for (const s of scores.filter((x) => x.unique === 0)) expect(s).toMatchObject({ score: 0.5, reason: '0 new of 3 items in the run' });
    } finally {
      store.close();
    }
  }, 60_000);

  it('after a resume, items found before it are not new', async () => {
    const file = setup();
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const stop = new AbortController();
      let seen = 0;
      const first = await startRun(await loadExperiment(file), { store, stop: stop.signal, observers: [{ onTrialEnd: () => void (++seen === 6 && stop.abort()) }] });
      expect(first.status).toBe('interrupted');
      const second = await resumeRun(first.runId, { store });
      expect(second).toMatchObject({ status: 'completed', finished: 24 });
      const scores = scoresOf(store, first.runId);
      expect(scores).toHaveLength(24);
      expect(scores.filter((s) => s.unique > 0)).toHaveLength(1);
    } finally {
      store.close();
    }
  });
});
