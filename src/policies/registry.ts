import * as z from 'zod';
import type { Random } from '../model/random.js';
import { epsilonGreedy, epsilonGreedyOptions } from './epsilon-greedy.js';
import { PolicyConfigError } from './errors.js';
import { gaussianThompson, gaussianThompsonOptions } from './gaussian-thompson.js';
import { klUcb, klUcbOptions } from './kl-ucb.js';
import { thompson, thompsonOptions } from './thompson.js';
import { topTwo, topTwoOptions } from './top-two.js';
import type { BestArmStop, Policy, PolicyFactory } from './types.js';
import { ucb1, ucb1Options } from './ucb1.js';
import { uniform, uniformOptions } from './uniform.js';
import { weighted, weightedOptions } from './weighted.js';
import { backoff, backoffOptions, priority, priorityOptions, roundRobin, roundRobinOptions } from './routing.js';

/** A policy by name: a one-line summary, its options schema and its factory. */
export interface PolicyDefinition {
  name: string;
  summary: string;
  /** Rewards must lie in [0, 1]. */
  bounded: boolean;
  options: z.ZodObject;
  create(options: Record<string, unknown>): PolicyFactory;
}

// The casts are safe: `create` receives options already parsed by the same schema.
const DEFINITIONS: readonly PolicyDefinition[] = [
  { name: 'uniform', summary: 'fixed split, equal or weighted (A/B test)', bounded: false, options: uniformOptions, create: (o) => uniform(o) },
  { name: 'epsilon-greedy', summary: 'best mean, exploring with probability epsilon', bounded: false, options: epsilonGreedyOptions, create: (o) => epsilonGreedy(o) },
  { name: 'ucb1', summary: 'optimism: mean + sqrt(c ln t / n)', bounded: false, options: ucb1Options, create: (o) => ucb1(o) },
  { name: 'kl-ucb', summary: 'optimism with Bernoulli KL confidence bounds, rewards in [0, 1]', bounded: true, options: klUcbOptions, create: (o) => klUcb(o) },
  { name: 'thompson', summary: 'Beta-Bernoulli Thompson sampling, rewards in [0, 1]', bounded: true, options: thompsonOptions, create: (o) => thompson(o) },
  { name: 'gaussian-thompson', summary: 'Gaussian Thompson sampling for unbounded rewards', bounded: false, options: gaussianThompsonOptions, create: (o) => gaussianThompson(o) },
  { name: 'top-two', summary: 'top-two Thompson: find the best arm with few trials, rewards in [0, 1]', bounded: true, options: topTwoOptions, create: (o) => topTwo(o) },
  { name: 'roundrobin', summary: 'every arm in turn (no learning)', bounded: false, options: roundRobinOptions, create: (o) => roundRobin(o) },
  { name: 'priority', summary: 'failover down a fixed order of arms', bounded: false, options: priorityOptions, create: (o) => priority(o) },
  { name: 'backoff', summary: 'round robin, failing arms rest exponentially longer', bounded: false, options: backoffOptions, create: (o) => backoff(o) },
  { name: 'weighted', summary: 'dampened weights from reward, success, latency and cost', bounded: true, options: weightedOptions, create: (o) => weighted(o as Parameters<typeof weighted>[0]) },
];

const BY_NAME = new Map(DEFINITIONS.map((d) => [d.name, d]));

/** Every known policy name, in a stable order. */
export const policyNames: readonly string[] = DEFINITIONS.map((d) => d.name);

function unknownName(name: unknown): string {
  return `unknown policy ${JSON.stringify(name)}; known policies: ${policyNames.join(', ')}`;
}

/**
 * The schema of a policy config, `{ name, ...options }`, for embedding in the experiment-file schema.
 * An unknown name is reported with the list of known names.
 *
 * @example
 * policyConfigSchema.parse({ name: 'thompson', discount: 0.99 });
 */
export const policyConfigSchema = z.discriminatedUnion(
  'name',
  DEFINITIONS.map((d) => d.options.extend({ name: z.literal(d.name) }).describe(`${d.name}: ${d.summary}`)) as unknown as [z.ZodObject, ...z.ZodObject[]],
  { error: (issue) => (issue.code === 'invalid_union' ? unknownName((issue.input as { name?: unknown } | undefined)?.name) : undefined) },
);

/** A plain policy config: a name and that policy's options. */
export interface PolicyConfig {
  name: string;
  [option: string]: unknown;
}

/** @example findPolicy('ucb1')?.summary */
export function findPolicy(name: string): PolicyDefinition | undefined {
  return BY_NAME.get(name);
}

/**
 * Builds a policy from a plain config. Errors (a `PolicyConfigError`) name the policy and the option,
 * and an unknown name lists the known ones.
 *
 * @example
 * const policy = createPolicy({ name: 'thompson', minShare: 0.02 }, 5, createRandom(1).fork('policy'));
 */
export function createPolicy(config: PolicyConfig, armCount: number, rng?: Random): Policy & Partial<BestArmStop> {
  if (!Number.isInteger(armCount) || armCount < 1) {
    throw new PolicyConfigError(String(config.name), [{ path: '', message: `expected at least one arm, got ${armCount}` }]);
  }
  const definition = typeof config.name === 'string' ? BY_NAME.get(config.name) : undefined;
  if (!definition) throw new PolicyConfigError(undefined, [{ path: 'name', message: unknownName(config.name) }]);
  const { name: _name, ...options } = config;
  return definition.create(options)(rng ? { armCount, rng } : { armCount });
}
