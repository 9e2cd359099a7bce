import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigRun } from '../../bench/dashboard-setup.js';
import { computeReport } from '../report/compute.js';
import { storeRunData } from '../report/run-data.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { RunAggregate } from './aggregate.js';
import { buildAggregate } from './aggregate-source.js';
import { LeaderChecks } from './leader.js';
import { pickBest, variantStats } from './summary.js';

let dir: string;
let store: SqliteStore;
const VARIANTS = ['variant-a', 'variant-b', 'variant-c'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metaorch-leader-'));
  writeBigRun(join(dir, 'runs.db'), { runId: 'small', trials: 3_000, variants: 3, tasks: 100 });
  store = SqliteStore.open(join(dir, 'runs.db'));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const tables = (agg: RunAggregate) => {
  const variants = variantStats(agg, new Map(VARIANTS.map((v) => [v, 'mock'])), null);
  return { variants, best: pickBest(variants) };
};

/** Multiplies a variant's scored trials, keeping its mean. */
const scale = (agg: RunAggregate, k: number) => {
  for (const id of VARIANTS) {
    const t = agg.totals.get(id)!;
    [t.ns, t.s, t.s2] = [t.ns * k, t.s * k, t.s2 * k];
  }
};

describe('LeaderChecks', () => {
  it('equals the report, and is recomputed for a running run at most once a second and only when trials finished', async () => {
    const { aggregate } = await buildAggregate(store.queries(), 'small', VARIANTS);
    let now = 0;
    const leaders = new LeaderChecks(store.queries(), () => now);
    const { variants, best } = tables(aggregate);
    const first = leaders.check('small', aggregate, variants, best, true);
    expect(first).toEqual(computeReport(storeRunData(store.queries(), 'small')).leader);
    expect(first).toMatchObject({ id: 'variant-c', runnerUp: 'variant-b' });
    scale(aggregate, 3); // ~6,000 scores in the two: no longer cheap
    now = 500;
    aggregate.totals.get('variant-a')!.finished++;
    expect(leaders.check('small', aggregate, variants, best, true)).toBe(first); // within a second of the last
    now = 5_000;
    const second = leaders.check('small', aggregate, variants, best, true);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    now = 9_000;
    expect(leaders.check('small', aggregate, variants, best, true)).toBe(second); // nothing finished since
    now = 9_100;
    aggregate.totals.get('variant-a')!.finished++;
    expect(leaders.check('small', aggregate, variants, best, false)).not.toBe(second); // a finished run's answer is exact
  });

  it('follows every change of a small run (a few ms of work)', async () => {
    const { aggregate } = await buildAggregate(store.queries(), 'small', VARIANTS);
    const leaders = new LeaderChecks(store.queries(), () => 0);
    const { variants, best } = tables(aggregate);
    const first = leaders.check('small', aggregate, variants, best, true);
    aggregate.totals.get('variant-a')!.finished++;
    expect(leaders.check('small', aggregate, variants, best, true)).not.toBe(first);
    const swapped = leaders.check('small', aggregate, variants, { ...best!, id: 'variant-b' }, true);
    expect(swapped).toMatchObject({ id: 'variant-b', runnerUp: 'variant-c', established: false });
  });

  it('checks the lead of a large run on its first scores, as the report does, and needs a runner-up', async () => {
    const { aggregate } = await buildAggregate(store.queries(), 'small', VARIANTS);
    scale(aggregate, 120); // ~119,000 scores each: the check reads at most LEADER_SCORES of each
    const { variants, best } = tables(aggregate);
    expect(best?.id).toBe('variant-c');
    expect(new LeaderChecks(store.queries()).check('small', aggregate, variants, best, false)).toEqual(computeReport(storeRunData(store.queries(), 'small')).leader);
    expect(new LeaderChecks(store.queries()).check('small', aggregate, variants.slice(2), best, false)).toBeNull(); // no runner-up
  });
});
