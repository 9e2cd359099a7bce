import type { Random } from '../model/random.js';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with full jitter; a server's Retry-After is a floor, not a suggestion.
 *
 * @example
 * backoffDelay(2, rng, DEFAULT_BACKOFF, 3000); // >= 3000
 */
export function backoffDelay(attempt: number, rng: Random, options: BackoffOptions, retryAfterMs?: number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** (attempt - 1));
  const jittered = ceiling / 2 + rng.next() * (ceiling / 2);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, 5 * 60_000));
}
