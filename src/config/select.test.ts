import { describe, expect, it } from 'vitest';
import { UsageError } from '../model/errors.js';
import type { Experiment } from './experiment.js';
import { selectRun } from './select.js';

const experiment = (seed = 1): Experiment => ({
  name: 'x', mode: 'grid', seed, repeats: 1, concurrency: 1, timeoutMs: 1000, retries: 0, threshold: 0.5, budget: {},
  objective: { score: 1, error: 0 }, snapshotEvery: 100, scorers: [], baseDir: '.', source: 'x.yaml',
  variants: ['a', 'b', 'c'].map((id) => ({ id, adapter: 'mock', options: {} })),
  tasks: Array.from({ length: 50 }, (_, i) => ({ id: `t${i}`, input: { i } })),
});

describe('selectRun', () => {
  it('keeps the named variants, in the experiment order', () => {
    expect(selectRun(experiment(), { variants: ['c', 'a'] }).variants.map((v) => v.id)).toEqual(['a', 'c']);
  });

  it('takes the first N tasks, or N tasks drawn with the seed in file order', () => {
    expect(Array.from(selectRun(experiment(), { limit: 3 }).tasks).map((t) => t.id)).toEqual(['t0', 't1', 't2']);
    const a = Array.from(selectRun(experiment(7), { sample: 5 }).tasks).map((t) => t.id);
    expect(a).toHaveLength(5);
    expect(Array.from(selectRun(experiment(7), { sample: 5 }).tasks).map((t) => t.id)).toEqual(a);
    expect([...a].sort((x, y) => Number(x.slice(1)) - Number(y.slice(1)))).toEqual(a);
    expect(Array.from(selectRun(experiment(8), { sample: 5 }).tasks).map((t) => t.id)).not.toEqual(a);
    expect(selectRun(experiment(), { sample: 500 }).tasks).toHaveLength(50);
  });

  it('refuses an unknown variant (naming the closest) and --limit with --sample', () => {
    expect(() => selectRun(experiment(), { variants: ['bb'] })).toThrow(new UsageError("--variant: no variant 'bb' in x; did you mean 'b'? (variants: a, b, c)"));
    expect(() => selectRun(experiment(), { limit: 1, sample: 1 })).toThrow('--limit and --sample: choose one');
  });
});
