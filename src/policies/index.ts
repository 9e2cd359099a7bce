/**
 * Bandit policies: pure, seeded, one small interface (`Policy`). Build one by factory
 * (`thompson({ discount: 0.99 })({ armCount })`) or from a config (`createPolicy({ name: 'ucb1' }, k)`).
 */
export type { BestArmStop, ChooseInput, Policy, PolicyContext, PolicyFactory, PolicySnapshot, UpdateInfo } from './types.js';
export { createPolicy, findPolicy, policyConfigSchema, policyNames } from './registry.js';
export type { PolicyConfig, PolicyDefinition } from './registry.js';
export { PolicyConfigError } from './errors.js';
export type { PolicyIssue } from './errors.js';
export type { AdaptiveOptions } from './options.js';
export { uniform } from './uniform.js';
export type { UniformOptions } from './uniform.js';
export { epsilonGreedy } from './epsilon-greedy.js';
export type { EpsilonGreedyOptions } from './epsilon-greedy.js';
export { ucb1 } from './ucb1.js';
export type { Ucb1Options } from './ucb1.js';
export { klUcb } from './kl-ucb.js';
export type { KlUcbOptions } from './kl-ucb.js';
export { thompson } from './thompson.js';
export type { ThompsonOptions } from './thompson.js';
export { gaussianThompson } from './gaussian-thompson.js';
export type { GaussianThompsonOptions } from './gaussian-thompson.js';
export { topTwo } from './top-two.js';
export type { TopTwoOptions } from './top-two.js';
export { weighted } from './weighted.js';
export type { WeightedOptions } from './weighted.js';
export { glrStop, glrThreshold } from './glr.js';
export type { RewardFamily, StopDecision } from './glr.js';
export { klBernoulli, klUcbIndex } from './kl.js';
export { sampleBeta, sampleGamma } from './gamma.js';
