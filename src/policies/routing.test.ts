import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { createPolicy } from './registry.js';
import type { Policy } from './types.js';

const rng = createRandom(1);
const none = (k: number) => new Float64Array(k);
const all = (k: number) => Array.from({ length: k }, (_, i) => i);

/** Choices one at a time, each learning `reward(arm)` before the next. */
function drive(policy: Policy, k: number, n: number, reward: (arm: number, i: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const arm = policy.choose({ eligible: all(k), pending: none(k), rng });
    out.push(arm);
    const r = reward(arm, i);
    policy.update(arm, r, { success: r > 0 });
  }
  return out;
}

describe('roundrobin, priority, backoff', () => {
  it('roundrobin serves every eligible arm in turn, counting what is in flight', () => {
    const p = createPolicy({ name: 'roundrobin' }, 3);
    expect(drive(p, 3, 7, () => 1)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(p.choose({ eligible: [0, 1, 2], pending: [0, 0, 0], rng })).toBe(1);
    expect(p.choose({ eligible: [0, 1, 2], pending: [0, 1, 0], rng })).toBe(2);
    expect(p.choose({ eligible: [0, 2], pending: [0, 0, 0], rng })).toBe(2);
  });

  it('priority stays on the first arm while it works, fails over after maxFailures, and retries after retryAfter calls', () => {
    const p = createPolicy({ name: 'priority', order: [2, 0, 1], maxFailures: 2, retryAfter: 5 }, 3);
    // Arm 2 fails for its first 2 calls, then works again.
    let failures = 0;
    const choices = drive(p, 3, 10, (arm) => (arm === 2 && failures++ < 2 ? 0 : 1));
    expect(choices).toEqual([2, 2, 0, 0, 0, 0, 0, 2, 2, 2]);
    expect(() => createPolicy({ name: 'priority', order: [5] }, 3)).toThrow(/arm 5 is not in 0..2/);
  });

  it('backoff rests a failing arm exponentially longer, and a success ends the rest', () => {
    const p = createPolicy({ name: 'backoff', base: 2, maxRest: 8 }, 2);
    // Arm 0 always fails, arm 1 always works: arm 0 is chosen ever more rarely.
    const choices = drive(p, 2, 40, (arm) => (arm === 0 ? 0 : 1));
    const zeros = choices.map((a, i) => (a === 0 ? i : -1)).filter((i) => i >= 0);
    const gaps = zeros.slice(1).map((z, i) => z - zeros[i]!);
    expect(gaps.slice(0, 4)).toEqual([2, 3, 5, 9]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(9);
    const q = createPolicy({ name: 'backoff' }, 2);
    expect(drive(q, 2, 6, () => 1)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('validates options with the policy named', () => {
    expect(() => createPolicy({ name: 'backoff', base: 0 }, 2)).toThrow(/backoff/);
    expect(() => createPolicy({ name: 'roundrobin', extra: 1 }, 2)).toThrow(/roundrobin/);
  });
});
