import { sleep } from '../adapters/sleep.js';

/**
 * Caps a variant's calls: at most `maxConcurrency` in flight and `ratePerMinute` started per minute
 * (a token bucket with a burst of one second's worth, so a rate limit is smooth, not front-loaded).
 *
 * @example
 * const limiter = createLimiter({ maxConcurrency: 4, ratePerMinute: 600 });
 * const release = await limiter.acquire(signal); try { ... } finally { release(); }
 */
export interface Limiter {
  acquire(signal: AbortSignal): Promise<() => void>;
  /** A slot at once, without waiting, or null when `acquire` would have to wait. */
  tryAcquire(): (() => void) | null;
}

const NOOP = () => {};
const UNLIMITED: Limiter = { acquire: () => Promise.resolve(NOOP), tryAcquire: () => NOOP };

export function createLimiter(options: { maxConcurrency?: number; ratePerMinute?: number }): Limiter {
  const { maxConcurrency, ratePerMinute } = options;
  if (maxConcurrency === undefined && ratePerMinute === undefined) return UNLIMITED;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const perMs = ratePerMinute !== undefined ? ratePerMinute / 60_000 : Infinity;
  const burst = ratePerMinute !== undefined ? Math.max(1, ratePerMinute / 60) : Infinity;
  let tokens = Math.min(1, burst);
  let refilledAt = Date.now();
  let nextStart = Promise.resolve();

  const takeToken = async (signal: AbortSignal) => {
    if (perMs === Infinity) return;
    const now = Date.now();
    tokens = Math.min(burst, tokens + (now - refilledAt) * perMs);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return;
    }
    const wait = (1 - tokens) / perMs;
    tokens -= 1;
    await sleep(wait, signal);
  };

  const release = () => {
    inFlight--;
    waiting.shift()?.();
  };

  return {
    tryAcquire() {
      // Rate-limited calls queue in order (see acquire): only a free concurrency slot is taken at once.
      if (perMs !== Infinity || inFlight >= (maxConcurrency ?? Infinity) || waiting.length > 0) return null;
      inFlight++;
      return release;
    },
    async acquire(signal) {
      if (maxConcurrency !== undefined && inFlight >= maxConcurrency) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => {
            const i = waiting.indexOf(go);
            if (i >= 0) waiting.splice(i, 1);
            reject(signal.reason);
          };
          const go = () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          };
          waiting.push(go);
          signal.addEventListener('abort', onAbort, { once: true });
        });
      }
      inFlight++;
      try {
        // Token waits are serialised so concurrent callers queue in order instead of all waking at once.
        const mine = nextStart.then(() => takeToken(signal));
        nextStart = mine.catch(() => undefined);
        await mine;
      } catch (e) {
        release();
        throw e;
      }
      return release;
    },
  };
}
