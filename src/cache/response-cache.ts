/**
 * The response cache of development loops (`cache: true`, `--cache`): a variant's answer to a rendered
 * prompt, reused by the next run that asks the same thing instead of calling (and paying) again.
 *
 * A key is the variant's whole configuration (adapter, options with `${ENV}` references as written,
 * prompts, and for a module variant its file's content), the rendered prompt and system prompt, and
 * the repeat index (so a grid's repeats stay distinct samples). Only successful answers are stored,
 * already redacted; a hit is marked on the trial, costs nothing and has no latency.
 */
import { createHash } from 'node:crypto';
import type { TrialTokens } from '../model/trial.js';
import { stableJson } from '../tasks/normalise.js';

/** What a hit gives back. */
export interface CachedResponse {
  output: string;
  tokens: TrialTokens;
}

/** Where cached answers live; the SQLite file beside the store implements it. */
export interface ResponseCache {
  get(key: string): CachedResponse | undefined;
  put(key: string, response: CachedResponse): void;
  close(): void;
}

/**
 * The cache key of one call.
 *
 * @example
 * cacheKey(variantIdentity, 'Capital of France?', undefined, 0); // 64 hex characters
 */
export function cacheKey(variantIdentity: string, prompt: string, system: string | undefined, repeat: number): string {
  return createHash('sha256').update(stableJson({ v: variantIdentity, prompt, system: system ?? null, repeat })).digest('hex');
}

/**
 * A variant's configuration as the cache sees it: everything that shapes its answers (not its id, so
 * renaming a variant keeps its answers; not its limits, which only shape when it is called).
 *
 * @example
 * variantIdentity({ adapter: 'openai', options: { model: 'gpt-4o-mini' } }, moduleHash); // a stable string
 */
export function variantIdentity(spec: { adapter: string; options: Record<string, unknown>; prompt?: string; system?: string }, extra?: string): string {
  return stableJson({ adapter: spec.adapter, options: spec.options, prompt: spec.prompt ?? null, system: spec.system ?? null, extra: extra ?? null });
}
