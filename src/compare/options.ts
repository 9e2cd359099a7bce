/** `metaorch compare` flags -> CompareOptions, with a UsageError (exit 2) for every bad value. */
import { UsageError } from '../model/errors.js';
import { parseBudgets } from './budget.js';
import type { CompareOptions } from './compare-runs.js';
import { parseMetrics } from './metrics.js';
import { parsePairs } from './pairs.js';
import { CORRECTIONS } from './types.js';
import type { Correction } from './types.js';

/** The flags as commander hands them over (repeatable options collected into arrays). */
export interface CompareFlags {
  metric?: readonly string[];
  alpha?: string;
  maxRegression?: readonly string[];
  correction?: string;
  pair?: readonly string[];
}

/**
 * Validates and converts the flags of `metaorch compare`.
 *
 * @example
 * parseCompareFlags({ metric: ['score,latency'], alpha: '0.05', maxRegression: ['score=0.02', 'latency=10%'] });
 */
export function parseCompareFlags(flags: CompareFlags): Required<Omit<CompareOptions, 'pairs'>> & Pick<CompareOptions, 'pairs'> {
  const metrics = parseMetrics(flags.metric?.length ? flags.metric : ['score']);
  const alphaText = flags.alpha ?? '0.05';
  const alpha = Number(alphaText);
  if (alphaText.trim() === '' || !Number.isFinite(alpha) || alpha <= 0 || alpha >= 1) {
    throw new UsageError(`--alpha must be a number between 0 and 1 (e.g. 0.05), got '${alphaText}'.`);
  }
  const correction = (flags.correction ?? 'holm') as Correction;
  if (!CORRECTIONS.includes(correction)) {
    throw new UsageError(`--correction must be one of ${CORRECTIONS.join(', ')}, got '${flags.correction ?? ''}'.`);
  }
  const pairs = parsePairs(flags.pair ?? []);
  return { metrics, alpha, correction, budgets: parseBudgets(flags.maxRegression ?? [], metrics), ...(pairs.length ? { pairs } : {}) };
}
