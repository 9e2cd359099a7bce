import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findAdapter } from '../adapters/registry.js';
import { variantIdentity, type ResponseCache } from '../cache/response-cache.js';
import type { Adapter } from '../adapters/types.js';
import { createRedactor, resolveEnv, secretValues } from '../config/env.js';
import type { Experiment, ScorerSpec, VariantSpec } from '../config/experiment.js';
import { validateVariant } from '../config/variants.js';
import type { Cost } from '../config/schema.js';
import { ConfigError } from '../model/errors.js';
import type { TrialTokens } from '../model/trial.js';
import type { WeightedScorer } from '../scoring/combine.js';
import { findScorer } from '../scoring/registry.js';
import { compilePrompt, compileTemplate } from '../tasks/template.js';
import { createLimiter, type Limiter } from './limits.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './retry.js';

export interface VariantRuntime {
  spec: VariantSpec;
  adapter: Adapter;
  /** What the response cache keys this variant's answers by (its whole configuration). */
  cacheIdentity?: string;
  limiter: Limiter;
  timeoutMs: number;
  retries: number;
  prompt?: string;
  system?: string;
  /** The prompt a trial sends: the variant's template (compiled once) rendered with the task input. */
  render(input: Record<string, unknown>): string;
  /** The system prompt, when the variant has one. */
  renderSystem?(input: Record<string, unknown>): string;
  /** Dollars for a call's tokens; null when they cannot be priced (unknown tokens). */
  price(tokens: TrialTokens): number | null;
}

/** What running a trial needs, built once per process from a validated experiment. */
export interface TrialRuntime {
  variants: Map<string, VariantRuntime>;
  scorers: WeightedScorer[];
  /** A task's own scorers (the experiment's included), by task id; other tasks use `scorers`. */
  taskScorers: Map<string, WeightedScorer[]>;
  threshold: number;
  backoff: BackoffOptions;
  /** Removes secret values from any text before it leaves the process. */
  redact(text: string): string;
  /** The response cache, when this run uses it (`cache: true`, `--cache`). */
  cache?: ResponseCache;
  close(): Promise<void>;
}

/**
 * Instantiates adapters (resolving `${ENV}` references only now), limiters and scorers.
 *
 * @example
 * const runtime = buildRuntime(experiment, process.env);
 */
export function buildRuntime(experiment: Experiment, env: NodeJS.ProcessEnv, backoff: BackoffOptions = DEFAULT_BACKOFF): TrialRuntime {
  const redact = createRedactor(secretValues([experiment.variants, experiment.scorers], env));
  try {
    return assemble(experiment, env, backoff, redact);
  } catch (error) {
    // An adapter or scorer refusing its (resolved) options may quote them: blank the secrets.
    if (error instanceof Error) {
      error.message = redact(error.message);
      if (error.stack) error.stack = redact(error.stack);
    }
    throw error;
  }
}

function assemble(experiment: Experiment, env: NodeJS.ProcessEnv, backoff: BackoffOptions, redact: (text: string) => string): TrialRuntime {
  const ctx = { baseDir: experiment.baseDir };
  const makeAdapter = (spec: { adapter: string; options: Record<string, unknown>; id: string }): Adapter => {
    const definition = findAdapter(spec.adapter);
    if (!definition) throw new ConfigError([{ file: experiment.source, path: `variants.${spec.id}`, message: `unknown adapter '${spec.adapter}'` }]);
    return definition.create(definition.options.parse(resolveEnv(spec.options, env)) as Record<string, unknown>, ctx);
  };
  const variants = new Map<string, VariantRuntime>();
  for (const spec of experiment.variants) {
    const runtime: VariantRuntime = {
      spec,
      adapter: makeAdapter(spec),
      cacheIdentity: variantIdentity(spec, moduleFingerprint(spec, experiment.baseDir)),
      limiter: createLimiter({ ...(spec.maxConcurrency ? { maxConcurrency: spec.maxConcurrency } : {}), ...(spec.rateLimit ? { ratePerMinute: spec.rateLimit } : {}) }),
      timeoutMs: spec.timeoutMs ?? experiment.timeoutMs,
      retries: spec.retries ?? experiment.retries,
      render: compilePrompt(spec.prompt ?? experiment.prompt),
      price: pricer(spec.cost),
    };
    const prompt = spec.prompt ?? experiment.prompt;
    const system = spec.system ?? experiment.system;
    if (prompt !== undefined) runtime.prompt = prompt;
    if (system !== undefined) {
      runtime.system = system;
      runtime.renderSystem = compileTemplate(system);
    }
    variants.set(spec.id, runtime);
  }
  const judges: Adapter[] = [];
  const scorerCtx = {
    baseDir: experiment.baseDir,
    judgeTimeoutMs: experiment.timeoutMs,
    createJudgeAdapter(raw: Record<string, unknown>) {
      const { variant } = validateVariant(resolveEnv(raw, env), env);
      if (!variant) throw new ConfigError([{ file: experiment.source, path: 'scorers.judge.variant', message: 'invalid judge variant' }]);
      const adapter = makeAdapter({ ...variant, options: variant.options });
      judges.push(adapter);
      return adapter;
    },
  };
  const makeScorer = (s: ScorerSpec): WeightedScorer => {
    const definition = findScorer(s.type);
    if (!definition) throw new ConfigError([{ file: experiment.source, path: 'scorers', message: `unknown scorer '${s.type}'` }]);
    return { scorer: definition.create(s.options, scorerCtx), weight: s.weight };
  };
  const scorers = experiment.scorers.map(makeScorer);
  const taskScorers = new Map(Object.entries(experiment.taskScorers ?? {}).map(([id, own]) => [id, [...scorers, ...own.map(makeScorer)]]));
  return {
    variants,
    scorers,
    taskScorers,
    threshold: experiment.threshold,
    backoff,
    redact,
    async close() {
      await Promise.all([...variants.values()].map((v) => v.adapter.close?.()).concat(judges.map((j) => j.close?.())));
    },
  };
}

/**
 * A module variant's code is part of its configuration: the cache must not serve answers of the
 * function as it was before an edit. Other adapters: none.
 */
function moduleFingerprint(spec: VariantSpec, baseDir: string): string | undefined {
  const file = spec.options['file'];
  if (spec.adapter !== 'module' || typeof file !== 'string') return undefined;
  try {
    return createHash('sha256').update(readFileSync(resolve(baseDir, file))).digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * Dollars for a call: a flat price per call, or per-million-token prices applied to its tokens.
 * Unknown tokens make a token price unknown (null); no price configured is free (0) when the tokens
 * are known, and unknown when they are not.
 *
 * @example
 * pricer({ input: 1, output: 4 })({ input: 1000, output: 500 }); // 0.003
 */
export function pricer(cost: Cost | undefined): (tokens: TrialTokens) => number | null {
  if (typeof cost === 'number') return () => cost;
  return (t) => {
    if (t.input === null || t.output === null) return null;
    if (cost === undefined) return 0;
    return (t.input * cost.input + t.output * cost.output) / 1e6 + (cost.perCall ?? 0);
  };
}
