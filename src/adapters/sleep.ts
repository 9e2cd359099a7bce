/** Longest single timer: Node's setTimeout overflows past 2^31-1 ms and then fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. Waits longer than a
 * timer can hold are chained, so they never collapse to 1 ms.
 *
 * @example
 * await sleep(250, signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let remaining = ms;
    let timer: NodeJS.Timeout;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const wait = () => {
      const step = Math.min(remaining, MAX_TIMER_MS);
      timer = setTimeout(() => {
        remaining -= step;
        if (remaining > 0) return wait();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, step);
    };
    wait();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
