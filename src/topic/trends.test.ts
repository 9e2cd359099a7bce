import { describe, expect, it } from 'vitest';
import { callsFromEvents, type TopicCall } from './calls.js';
import { totalVariation, weightEffectiveness } from './effectiveness.js';
import { topicStatistics } from './statistics.js';
import { trendWindow, variantTrends } from './trends.js';

const call = (variant: string, fresh: number, extra: Partial<TopicCall> = {}): TopicCall => ({ variant, ok: true, returned: 10, fresh, cost: 0.01, latencyMs: 500, ts: 0, ...extra });

describe('callsFromEvents', () => {
  it('reads requests in order, skips recovered items, reads old events without ok/cost/latency', () => {
    const { calls, snapshots } = callsFromEvents([
      { type: 'topic', ts: 1, data: { seq: 0, variant: 'a', returned: 3, new: [{ n: 0, text: 'x' }], ok: true, cost: 0.002, latencyMs: 40 } },
      { type: 'topic', ts: 2, data: { seq: null, variant: null, returned: 1, new: [{ n: 1, text: 'y' }], recovered: true } },
      { type: 'policy', ts: 3, data: { finished: 10, variants: ['a', 'b'], probabilities: [0.7, 0.3], counts: [5, 5] } },
      { type: 'policy', ts: 3, data: { finished: 20, variants: ['a', 'b'], counts: [5, 5] } },
      { type: 'topic', ts: 4, data: { seq: 1, variant: 'b', returned: 0, new: [], ok: false, cost: null, latencyMs: 12 } },
      { type: 'topic', ts: 5, data: { seq: 2, variant: 'b', returned: 2, new: [] } },
      { type: 'trials', ts: 5, data: {} },
    ]);
    expect(calls).toEqual([
      { variant: 'a', ok: true, returned: 3, fresh: 1, cost: 0.002, latencyMs: 40, ts: 1 },
      { variant: 'b', ok: false, returned: 0, fresh: 0, cost: null, latencyMs: 12, ts: 4 },
      { variant: 'b', ok: true, returned: 2, fresh: 0, cost: null, latencyMs: null, ts: 5 },
    ]);
    expect(snapshots).toEqual([{ finished: 10, variants: ['a', 'b'], probabilities: [0.7, 0.3] }]);
  });
});

describe('variantTrends', () => {
  it('cuts each variant into windows of its own requests, the last one partial, x = the run request count', () => {
    const calls = [call('a', 1), call('b', 2), call('a', 3), call('a', 5), call('b', 4)];
    const t = variantTrends(calls, { window: 2 });
    expect(t.get('a')!.map((p) => [p.request, p.calls, p.uniquePerCall.value])).toEqual([[3, 2, 2], [4, 1, 5]]);
    expect(t.get('b')!.map((p) => [p.request, p.calls, p.uniquePerCall.value])).toEqual([[5, 2, 3]]);
  });

  it('gives Wilson bands for proportions and t bands for means', () => {
    // Ten requests of 1 item: 8 new, 8 ok (Wilson(8, 10) = 0.490..0.943).
    const calls = Array.from({ length: 10 }, (_, i) => call('a', i < 8 ? 1 : 0, { returned: 1, ok: i < 8, latencyMs: [800, 900, 1000][i % 3]!, cost: 0.5 }));
    const [p] = variantTrends(calls, { window: 10 }).get('a')!;
    expect(p!.uniquenessRatio.value).toBe(0.8);
    expect(p!.uniquenessRatio.low).toBeCloseTo(0.4902, 4);
    expect(p!.uniquenessRatio.high).toBeCloseTo(0.9433, 4);
    expect(p!.successRate).toEqual(p!.uniquenessRatio);
    // Cost is the same on every call: the band is the point.
    expect(p!.cost).toEqual({ value: 0.5, low: 0.5, high: 0.5 });
    // Latencies 800,900,1000,800,900,1000,800,900,1000,800: mean 890, sd 87.56, t(0.975, 9) = 2.2622.
    expect(p!.latencyMs.value).toBeCloseTo(890, 9);
    expect(p!.latencyMs.low).toBeCloseTo(890 - 2.2622 * (87.5595 / Math.sqrt(10)), 1);
    expect(p!.latencyMs.high).toBeCloseTo(890 + 2.2622 * (87.5595 / Math.sqrt(10)), 1);
    // Ratios of sums: 8 new items for $5 and 8.9 s.
    expect(p!.uniquePerDollar.value).toBeCloseTo(1.6, 12);
    expect(p!.uniquePerSecond.value).toBeCloseTo(8 / 8.9, 12);
  });

  it('bootstraps ratio bands that hold the estimate, seeded (the same calls give the same band)', () => {
    const calls = Array.from({ length: 30 }, (_, i) => call('a', i % 4, { cost: 0.001 * (1 + (i % 3)), latencyMs: 100 + 10 * (i % 5) }));
    const one = variantTrends(calls, { window: 30 }).get('a')![0]!;
    const two = variantTrends(calls, { window: 30 }).get('a')![0]!;
    expect(one.uniquePerDollar).toEqual(two.uniquePerDollar);
    for (const band of [one.uniquePerDollar, one.uniquePerSecond]) {
      expect(band.low!).toBeLessThan(band.value!);
      expect(band.high!).toBeGreaterThan(band.value!);
    }
    expect(variantTrends(calls, { window: 30, seed: 2 }).get('a')![0]!.uniquePerDollar).not.toEqual(one.uniquePerDollar);
  });

  it('says null where a window cannot: no cost reported, no items returned, a single value for a band', () => {
    const [p] = variantTrends([call('a', 0, { returned: 0, ok: false, cost: null, latencyMs: null })], { window: 5 }).get('a')!;
    expect(p!.uniquenessRatio).toEqual({ value: null, low: null, high: null });
    expect(p!.uniquePerDollar).toEqual({ value: null, low: null, high: null });
    expect(p!.cost).toEqual({ value: null, low: null, high: null });
    expect(p!.latencyMs).toEqual({ value: null, low: null, high: null });
    expect(p!.uniquePerCall).toEqual({ value: 0, low: null, high: null });
    expect(p!.successRate.value).toBe(0);
  });
});

describe('weightEffectiveness', () => {
  const rates = (perCall: number[]) => perCall.map((f) => call('a', f));

  it('judges each change by the window before against the window after', () => {
    // 60 requests: 2 new per call, then 5, then 1.
    const calls = rates([...Array(20).fill(2), ...Array(20).fill(5), ...Array(20).fill(1)]);
    const e = weightEffectiveness(calls, [
      { finished: 20, variants: ['a', 'b'], probabilities: [0.9, 0.1] },
      { finished: 40, variants: ['a', 'b'], probabilities: [0.2, 0.8] },
    ], { window: 20 });
    expect(e.changes.map((c) => [c.at, c.before, c.after, c.raised])).toEqual([[20, 2, 5, true], [40, 5, 1, false]]);
    expect(e.changes[0]!.shift).toBeCloseTo(0.4, 12);
    expect(e.changes[1]!.shift).toBeCloseTo(0.7, 12);
    expect(e).toMatchObject({ judged: 2, raised: 1, share: 0.5, window: 20 });
  });

  it('skips snapshots that barely move the weights and leaves changes without full windows unjudged', () => {
    const calls = rates(Array(30).fill(1));
    const e = weightEffectiveness(calls, [
      { finished: 10, variants: ['a', 'b'], probabilities: [0.6, 0.4] },
      { finished: 20, variants: ['a', 'b'], probabilities: [0.605, 0.395] },
      { finished: 25, variants: ['a', 'b'], probabilities: [0.1, 0.9] },
    ], { window: 10, minShift: 0.02 });
    // 10: judged (equal rates: not raised); 20: a 0.005 move, no change; 25: only 5 requests after it.
    expect(e.changes.map((c) => [c.at, c.raised])).toEqual([[10, false], [25, null]]);
    expect(e).toMatchObject({ judged: 1, raised: 0, share: 0 });
    expect(weightEffectiveness(calls, [], { window: 10 }).share).toBeNull();
  });

  it('totalVariation is half the L1 distance', () => {
    expect(totalVariation([0.5, 0.5], [0.9, 0.1])).toBeCloseTo(0.4, 12);
    expect(totalVariation([1, 0, 0], [0, 0, 1])).toBe(1);
  });
});

describe('topicStatistics', () => {
  it('totals per variant (including variants never called), the discovery curve and the effectiveness', () => {
    const calls = [call('a', 3), call('b', 0, { ok: false, returned: 0, cost: null }), call('a', 1)];
    const s = topicStatistics(calls, [], { variants: ['a', 'b', 'c'], window: 10 });
    expect(s.calls).toBe(3);
    expect(s.uniqueItems).toBe(4);
    expect(s.discovery).toEqual([{ request: 1, unique: 3 }, { request: 2, unique: 3 }, { request: 3, unique: 4 }]);
    expect(s.variants.map((v) => [v.id, v.totals.calls, v.totals.fresh, v.totals.successRate, v.trend.length])).toEqual([
      ['a', 2, 4, 1, 1], ['b', 1, 0, 0, 1], ['c', 0, 0, null, 0],
    ]);
    expect(s.effectiveness).toMatchObject({ judged: 0, share: null });
  });
});

describe('trendWindow', () => {
  it('widens the window so that the busiest variant has at most maxPoints', () => {
    const calls = [...Array(1000).fill({ variant: 'a' }), ...Array(10).fill({ variant: 'b' })] as { variant: string }[];
    expect(trendWindow(calls, { window: 20 })).toBe(20);
    expect(trendWindow(calls, { window: 20, maxPoints: 100 })).toBe(20);
    expect(trendWindow(calls, { window: 20, maxPoints: 30 })).toBe(34);
    expect(variantTrends(calls.map((c) => call(c.variant, 1)), { window: 20, maxPoints: 30 }).get('a')!.length).toBe(30);
  });
});
