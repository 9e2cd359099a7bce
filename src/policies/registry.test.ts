import { describe, expect, it } from 'vitest';
import { createRandom } from '../model/random.js';
import { PolicyConfigError } from './errors.js';
import { createPolicy, findPolicy, policyConfigSchema, policyNames } from './registry.js';
import { thompson } from './thompson.js';

describe('createPolicy', () => {
  it('builds every known policy by name', () => {
    for (const name of policyNames) {
      const policy = createPolicy({ name }, 3, createRandom(1));
      expect(policy.name).toBe(name);
      expect(policy.choose({ eligible: [0, 1, 2], pending: [0, 0, 0], rng: createRandom(2) })).toBeOneOf([0, 1, 2]);
    }
    expect(policyNames).toEqual(['uniform', 'epsilon-greedy', 'ucb1', 'kl-ucb', 'thompson', 'gaussian-thompson', 'top-two', 'roundrobin', 'priority', 'backoff', 'weighted']);
  });

  it('lists the known names on an unknown one', () => {
    expect(() => createPolicy({ name: 'thompsn' }, 3)).toThrow(PolicyConfigError);
    expect(() => createPolicy({ name: 'thompsn' }, 3)).toThrow(
      'policy: name: unknown policy "thompsn"; known policies: uniform, epsilon-greedy, ucb1, kl-ucb, thompson, gaussian-thompson, top-two, roundrobin, priority, backoff, weighted',
    );
  });

  it('names the policy and the option in option errors', () => {
    expect(() => createPolicy({ name: 'thompson', discount: 1.5 }, 3)).toThrow(/^policy 'thompson': discount: /);
    expect(() => createPolicy({ name: 'ucb1', explore: 2 }, 3)).toThrow(/policy 'ucb1': .*explore/);
    expect(() => createPolicy({ name: 'kl-ucb', discount: 0.9, window: 100 }, 3)).toThrow("policy 'kl-ucb': window: use either discount or window, not both");
    expect(() => createPolicy({ name: 'thompson', minShare: 0.3 }, 4)).toThrow("policy 'thompson': minShare: 4 arms x 0.3 exceeds 1; use at most 0.2500");
    expect(() => createPolicy({ name: 'uniform', weights: [1, 2] }, 3)).toThrow("policy 'uniform': weights: expected 3 weights (one per arm), got 2");
    expect(() => createPolicy({ name: 'thompson' }, 0)).toThrow(/at least one arm/);
  });

  it('carries the issues for a caller that knows the file', () => {
    try {
      createPolicy({ name: 'top-two', beta: 2 }, 3);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyConfigError);
      expect((error as PolicyConfigError).policy).toBe('top-two');
      expect((error as PolicyConfigError).issues[0]?.path).toBe('beta');
      expect((error as PolicyConfigError).code).toBe('CONFIG_INVALID');
    }
  });

  it('validates factory options the same way', () => {
    expect(() => thompson({ burnIn: -1 })).toThrow(/^policy 'thompson': burnIn: /);
  });

  it('knows which policies need rewards in [0, 1]', () => {
    expect(findPolicy('kl-ucb')?.bounded).toBe(true);
    expect(findPolicy('ucb1')?.bounded).toBe(false);
    expect(findPolicy('nope')).toBeUndefined();
  });
});

describe('policyConfigSchema', () => {
  it('accepts valid configs and reports unknown names with the known list', () => {
    expect(policyConfigSchema.parse({ name: 'thompson', discount: 0.99, minShare: 0.02 })).toEqual({ name: 'thompson', discount: 0.99, minShare: 0.02 });
    const bad = policyConfigSchema.safeParse({ name: 'greedy' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/unknown policy "greedy"; known policies: uniform, .*weighted/);
    expect(bad.error?.issues[0]?.path).toEqual(['name']);
  });

  it('reports option problems at their path', () => {
    const bad = policyConfigSchema.safeParse({ name: 'weighted', maxChange: 0 });
    expect(bad.error?.issues[0]?.path).toEqual(['maxChange']);
    expect(policyConfigSchema.safeParse({ name: 'ucb1', window: 10, discount: 0.9 }).success).toBe(false);
    expect(policyConfigSchema.safeParse({ name: 'uniform', minShare: 0.1 }).success).toBe(false);
  });
});
