/**
 * Polls `f` every 50 ms until it returns a truthy value, or throws naming `what` once `timeoutMs` has
 * passed. Tests wait for what they check with it, never for a fixed time: CI's machine is slower.
 *
 * @example
 * const line = await until(() => /Run (\S+)/.exec(out), 10_000, 'the run id');
 */
export async function until<T>(f: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
