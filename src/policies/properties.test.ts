import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { createPolicy, policyNames, type PolicyConfig } from './registry.js';
import { weighted } from './weighted.js';

// Fixed-rule policies take no shared adaptive options (minShare, burnIn, discount, window).
const ADAPTIVE = policyNames.filter((n) => !['uniform', 'roundrobin', 'priority', 'backoff'].includes(n));

/** A policy config with random shared options; minShare respects the k x minShare <= 1 rule. */
const configFor = (k: number) =>
  fc
    .record({
      name: fc.constantFrom(...policyNames),
      minShare: fc.option(fc.double({ min: 0, max: 1 / k, noNaN: true }), { nil: undefined }),
      burnIn: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      forget: fc.constantFrom<'none' | 'discount' | 'window'>('none', 'discount', 'window'),
    })
    .map(({ name, minShare, burnIn, forget }): PolicyConfig => {
      if (!ADAPTIVE.includes(name)) return { name };
      const config: PolicyConfig = { name };
      if (minShare !== undefined) config['minShare'] = minShare;
      if (burnIn !== undefined) config['burnIn'] = burnIn;
      if (forget === 'discount') config['discount'] = 0.9;
      if (forget === 'window') config['window'] = 5;
      return config;
    });

const step = (k: number) =>
  fc.record({
    eligible: fc.subarray(Array.from({ length: k }, (_, i) => i), { minLength: 1 }),
    pending: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: k, maxLength: k }),
    reward: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
  });

const scenario = fc.integer({ min: 1, max: 5 }).chain((k) =>
  fc.record({ k: fc.constant(k), config: configFor(k), steps: fc.array(step(k), { maxLength: 30 }), seed: fc.nat() }),
);

describe('every policy', () => {
  it('chooses only eligible arms, and its snapshot probabilities sum to 1 and respect minShare', () => {
    fc.assert(
      fc.property(scenario, ({ k, config, steps, seed }) => {
        const policy = createPolicy(config, k, createRandom(seed));
        const rng = createRandom(seed + 1);
        for (const s of steps) {
          const arm = policy.choose({ eligible: s.eligible, pending: s.pending, rng });
          expect(s.eligible).toContain(arm);
          policy.update(arm, s.reward);
        }
        const snap = policy.snapshot(rng);
        const p = snap.probabilities!;
        expect(p).toHaveLength(k);
        expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
        const floor = (config['minShare'] as number | undefined) ?? 0;
        for (const x of p) expect(x).toBeGreaterThanOrEqual(floor - 1e-12);
        expect(snap.counts.reduce((a, b) => a + b, 0)).toBe(steps.length);
      }),
      { numRuns: 150 },
    );
  });
});

describe('weighted dampening', () => {
  it('never moves a weight by more than maxChange, never below minWeight, and keeps the sum at 1', () => {
    const info = fc.record(
      {
        success: fc.boolean(),
        latencyMs: fc.double({ min: 1, max: 1e5, noNaN: true }),
        cost: fc.double({ min: 0, max: 1, noNaN: true }),
      },
      { requiredKeys: [] },
    );
    const params = fc.integer({ min: 1, max: 6 }).chain((k) =>
      fc.record({
        k: fc.constant(k),
        maxChange: fc.double({ min: 1e-3, max: 1, noNaN: true }),
        minWeight: fc.double({ min: 0, max: 1 / k, noNaN: true }),
        temperature: fc.double({ min: 1e-3, max: 10, noNaN: true }),
        latencyWeight: fc.double({ min: 0, max: 5, noNaN: true }),
        costWeight: fc.double({ min: 0, max: 5, noNaN: true }),
        updates: fc.array(fc.record({ arm: fc.nat({ max: k - 1 }), reward: fc.double({ min: 0, max: 1, noNaN: true }), info }), { maxLength: 40 }),
      }),
    );
    fc.assert(
      fc.property(params, ({ k, updates, ...options }) => {
        const policy = weighted(options)({ armCount: k });
        const rng = createRandom(1);
        let before = policy.snapshot(rng).weights!;
        for (const u of updates) {
          policy.update(u.arm, u.reward, u.info);
          const after = policy.snapshot(rng).weights!;
          expect(Math.abs(after.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
          for (let i = 0; i < k; i++) {
            expect(Math.abs(after[i]! - before[i]!)).toBeLessThanOrEqual(options.maxChange + 1e-12);
            expect(after[i]).toBeGreaterThanOrEqual(options.minWeight - 1e-12);
          }
          before = after;
        }
      }),
      { numRuns: 200 },
    );
  });
});
