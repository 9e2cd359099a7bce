import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigRun } from '../../bench/dashboard-setup.js';
import { computeReport } from '../report/compute.js';
import { storeRunData } from '../report/run-data.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { LatencySample, MAX_BUCKETS, RunAggregate } from './aggregate.js';
import { loadCached, saveCached } from './aggregate-cache.js';
import { buildAggregate, TrialReader } from './aggregate-source.js';
import { pickBest, series, variantStats } from './summary.js';

let dir: string;
let db: string;
const VARIANTS = ['variant-a', 'variant-b', 'variant-c'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metaorch-aggregate-'));
  db = join(dir, 'runs.db');
  writeBigRun(db, { runId: 'small', trials: 3_000, variants: 3, tasks: 100 });
  writeBigRun(db, { runId: 'large', trials: 90_000, variants: 3, tasks: 1000 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const adapters = new Map(VARIANTS.map((v) => [v, 'mock']));
/** Equal up to floating-point summation order (10 significant digits). */
const rounded = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v)));

describe('RunAggregate', () => {
  it('matches computeReport exactly on a small run, errors by kind and percentiles included', async () => {
    const store = SqliteStore.open(db);
    const { aggregate } = await buildAggregate(store.queries(), 'small', VARIANTS);
    const report = computeReport(storeRunData(store.queries(), 'small'));
    const mine = variantStats(aggregate, adapters, null);
    for (const v of report.variants) {
      const m = mine.find((x) => x.id === v.id)!;
      expect(m.trials).toBe(v.trials);
      expect(m.errorsByKind).toEqual(v.errorsByKind);
      expect(m.latencySampled).toBe(false);
      for (const key of ['meanScore', 'passRate', 'latencyP50Ms', 'latencyP95Ms', 'costTotal', 'meanAttempts'] as const) expect(m[key]).toBeCloseTo(v[key] as number, 9);
      expect(m.ci95![0]).toBeCloseTo(v.ci95![0], 9);
      expect(m.ci95![1]).toBeCloseTo(v.ci95![1], 9);
    }
    expect(pickBest(mine)?.id).toBe(report.best?.id);
    store.close();
  });

  it('counts unknown cost and tokens apart, as computeReport does, cold and live', async () => {
    const store = SqliteStore.open(db);
    store.db.prepare("UPDATE trials SET cost = NULL, tokens_in = NULL, tokens_out = NULL WHERE run_id = 'small' AND variant_id = 'variant-b' AND seq % 2 = 0 AND status != 'scheduled'").run();
    store.db.prepare("UPDATE trials SET cost = NULL, tokens_in = NULL, tokens_out = NULL WHERE run_id = 'small' AND variant_id = 'variant-c' AND status != 'scheduled'").run();
    const { aggregate } = await buildAggregate(store.queries(), 'small', VARIANTS);
    const report = computeReport(storeRunData(store.queries(), 'small'));
    const mine = variantStats(aggregate, adapters, null);
    for (const v of report.variants) {
      const m = mine.find((x) => x.id === v.id)!;
      for (const key of ['costTotal', 'costPerTrial', 'costUnknown', 'tokensIn', 'tokensOut', 'tokensUnknown'] as const) {
        if (v[key] === null) expect(m[key], `${v.id} ${key}`).toBeNull();
        else expect(m[key], `${v.id} ${key}`).toBeCloseTo(v[key] as number, 9);
      }
    }
    expect(report.variants.find((v) => v.id === 'variant-c')).toMatchObject({ costTotal: null, costPerTrial: null, tokensIn: null });
    expect(report.variants.find((v) => v.id === 'variant-b')!.costUnknown).toBeGreaterThan(0);
    const seqs = (store.db.prepare("SELECT seq FROM trials WHERE run_id = 'small' AND status != 'scheduled' ORDER BY seq").pluck().all() as number[]);
    const live = new RunAggregate(VARIANTS, 8);
    for (const g of new TrialReader(store.queries()).groups('small', seqs)) live.add(g);
    expect(rounded(variantStats(live, adapters, null).map((v) => [v.costTotal, v.costUnknown, v.tokensIn, v.tokensUnknown]))).toEqual(rounded(mine.map((v) => [v.costTotal, v.costUnknown, v.tokensIn, v.tokensUnknown])));
    store.close();
  });

  it('samples the latencies of a large run and keeps the other statistics exact', async () => {
    const store = SqliteStore.open(db);
    const { aggregate } = await buildAggregate(store.queries(), 'large', VARIANTS);
    const report = computeReport(storeRunData(store.queries(), 'large'));
    const mine = variantStats(aggregate, adapters, null);
    for (const v of report.variants) {
      const m = mine.find((x) => x.id === v.id)!;
      expect(m.latencySampled).toBe(true);
      expect(m.trials).toBe(v.trials);
      expect(m.meanScore).toBeCloseTo(v.meanScore!, 9);
      expect(Math.abs(m.latencyP95Ms! / v.latencyP95Ms! - 1)).toBeLessThan(0.05);
      expect(Math.abs(m.latencyP50Ms! / v.latencyP50Ms! - 1)).toBeLessThan(0.05);
    }
    const s = series(aggregate);
    expect(s.x.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(s.x.length).toBeGreaterThan(MAX_BUCKETS / 4);
    expect(s.variants[0]!.mean.at(-1)).toBeCloseTo(report.variants[0]!.meanScore!, 4);
    store.close();
  });

  it('gives the same statistics built cold or fed trial by trial, and through the on-disk cache', async () => {
    const store = SqliteStore.open(db);
    const { aggregate: cold } = await buildAggregate(store.queries(), 'small', VARIANTS);
    const live = new RunAggregate(VARIANTS, 1);
    const reader = new TrialReader(store.queries());
    const seqs = Array.from({ length: 3_000 }, (_, i) => i);
    for (let i = 0; i < seqs.length; i += 137) for (const g of reader.groups('small', seqs.slice(i, i + 137))) live.add(g);
    expect(live.bucketSize).toBeGreaterThan(1);
    expect(rounded(variantStats(live, adapters, null))).toEqual(rounded(variantStats(cold, adapters, null)));
    saveCached(dir, 'small', 'k1', cold);
    expect(loadCached(dir, 'small', 'k2')).toBeNull();
    const restored = loadCached(dir, 'small', 'k1')!;
    expect(variantStats(restored, adapters, null)).toEqual(variantStats(cold, adapters, null));
    expect(series(restored)).toEqual(series(cold));
    store.close();
  });

  it('keeps a deterministic latency sample when it halves', () => {
    const a = new LatencySample(2 ** 32);
    for (let seq = 0; seq < 130_000; seq++) a.add('v', Math.imul(seq, 2654435761) >>> 0, seq % 1000);
    expect(a.exact).toBe(false);
    expect(a.sorted('v').length).toBeLessThanOrEqual(120_000);
    expect(a.sorted('v').length).toBeGreaterThan(50_000);
  });
});
