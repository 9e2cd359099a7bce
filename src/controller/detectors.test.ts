import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { CALIBRATION_SLACK, createBank, cusumThreshold, klBernoulli, observe, oddsShift } from './cusum.js';
import { addValue, createLogHistogram, massAbove, quantileOf } from './log-histogram.js';
import { createRise, riseAcknowledge, riseEvidence, riseObserve, riseRecovered, riseRefresh } from './rise-detector.js';

const calibration = { observations: 100_000, streams: 35, alpha: 0.01 };

/** A stream of 0/1 values at rate p from `from` on, driven by a seeded generator. */
function feed(d: ReturnType<typeof createRise>, rng: ReturnType<typeof createRandom>, p: number, n: number, start: number): number {
  for (let i = 0; i < n; i++) {
    if (riseObserve(d, rng.next() < p ? 1 : 0, start + i)) return i;
    if ((start + i) % 20 === 19) riseRefresh(d, calibration);
  }
  return -1;
}

describe('CUSUM bank', () => {
  it('sets thresholds from the false-alarm budget: ln(N S I0 / alpha) minus the calibration slack', () => {
    const p1 = oddsShift(0.05, 3);
    expect(p1).toBeCloseTo(0.1364, 3);
    const h = cusumThreshold(klBernoulli(0.05, p1), calibration);
    expect(h).toBeCloseTo(Math.log((1e5 * 35 * klBernoulli(0.05, p1)) / 0.01) - CALIBRATION_SLACK, 9);
    expect(cusumThreshold(1e-9, calibration)).toBeCloseTo(Math.log(35 / 0.01) + 1, 9);
  });

  it('fires on a constructed run of failures and reports the member and its excursion', () => {
    const bank = createBank(0.02, calibration);
    let fired = -1;
    let i = 0;
    for (; i < 200 && fired < 0; i++) fired = observe(bank, i >= 100 ? 1 : 0, i, i);
    expect(fired).toBeGreaterThanOrEqual(3); // the large-odds members react first to an outage
    expect(i - 100).toBeLessThanOrEqual(8);
    expect(bank.start[fired]).toBe(100);
    expect(bank.sum[fired]).toBe(i - 100);
  });
});

describe('rise detector', () => {
  it('stays silent during the warm-up and on a stationary stream of 30,000 values', () => {
    const d = createRise('failure', 'error rate', 200, 2000);
    expect(feed(d, createRandom(1), 0.05, 30_000, 0)).toBe(-1);
    expect(d.bank).not.toBeNull();
  });

  it('detects 5% -> 15% within a few hundred values and 2% -> 60% within 20, with evidence', () => {
    const spike = createRise('failure', 'error rate', 200, 2000);
    const rng = createRandom(2);
    expect(feed(spike, rng, 0.05, 3000, 0)).toBe(-1);
    const delay = feed(spike, rng, 0.15, 2000, 3000);
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThan(600);
    const e = riseEvidence(spike, 3000 + delay)!;
    expect(e.statistic).toBeGreaterThanOrEqual(e.threshold);
    expect(e.baseline).toBeGreaterThan(0.03);
    expect(e.baseline).toBeLessThan(0.07);
    expect(e.current).toBeGreaterThan(0.1);
    expect(e.window.toTrial - e.window.fromTrial).toBeLessThanOrEqual(delay + 50);

    const outage = createRise('failure', 'error rate', 200, 2000);
    const r2 = createRandom(3);
    feed(outage, r2, 0.02, 3000, 0);
    const fast = feed(outage, r2, 0.6, 100, 3000);
    expect(fast).toBeGreaterThanOrEqual(0);
    expect(fast).toBeLessThan(20);
  });

  it('after an acknowledged alarm, recognises recovery with the recovery CUSUM', () => {
    const d = createRise('failure', 'error rate', 200, 2000);
    const rng = createRandom(4);
    feed(d, rng, 0.05, 3000, 0);
    const at = feed(d, rng, 0.3, 1000, 3000);
    expect(at).toBeGreaterThanOrEqual(0);
    riseAcknowledge(d, 3000 + at);
    expect(d.phase).toBe('alarmed');
    for (let i = 0; i < 100; i++) riseObserve(d, rng.next() < 0.3 ? 1 : 0, 4000 + i);
    expect(riseRecovered(d)).toBe(false);
    for (let i = 0; i < 1000 && !riseRecovered(d); i++) riseObserve(d, rng.next() < 0.05 ? 1 : 0, 5000 + i);
    expect(riseRecovered(d)).toBe(true);
  });
});

describe('log histogram', () => {
  it('gives quantiles within its 2% bins and tail masses', () => {
    const h = createLogHistogram(0.01, 1e7, 0);
    const rng = createRandom(5);
    const values = Array.from({ length: 20_000 }, () => Math.exp(Math.log(400) + 0.668 * rng.normal()));
    for (const v of values) addValue(h, v);
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.95]) {
      const exact = values[Math.floor(q * values.length)]!;
      expect(Math.abs(quantileOf(h, q)! / exact - 1)).toBeLessThan(0.03);
    }
    expect(massAbove(h, values[Math.floor(0.95 * values.length)]!)).toBeCloseTo(0.05, 2);
    expect(quantileOf(createLogHistogram(1, 10, 0), 0.5)).toBeNull();
  });

  it('forgets with its half-life', () => {
    const h = createLogHistogram(0.01, 1e7, 100);
    for (let i = 0; i < 1000; i++) addValue(h, 100);
    for (let i = 0; i < 1000; i++) addValue(h, 1000);
    expect(quantileOf(h, 0.5)).toBeGreaterThan(900);
  });
});
