import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { compilePrompt } from '../tasks/template.js';
import { createLimiter } from './limits.js';
import { runTrial } from './run-trial.js';
import type { TrialRuntime, VariantRuntime } from './runtime.js';

/** Dry trials through the trial function: enough for the engine's own code to be compiled hot. */
const DRY_TRIALS = 3;

/**
 * Gets a runtime ready before the first trial's clock starts, so no trial's latency includes one-off
 * work: every adapter and scorer loads what its first call would (an SDK, a user's module through
 * tsx: 100-700 ms otherwise paid by the first trial of each variant), then a few dry trials run
 * through `runTrial` against an instant adapter that calls nothing (no provider is called, no scorer
 * runs), so the engine's code is compiled before it is timed; last, when loading left tens of MB behind
 * (an SDK, tsx), one garbage collection clears them, which would otherwise pause one of the first
 * trials. A load that fails is left for the first trial to report, as it would have been.
 *
 * @example
 * const runtime = buildRuntime(experiment, process.env);
 * await warmRuntime(runtime);
 */
export async function warmRuntime(runtime: TrialRuntime): Promise<void> {
  const scorers = [...runtime.scorers, ...[...runtime.taskScorers.values()].flat()];
  await Promise.all([
    ...[...runtime.variants.values()].map((v) => v.adapter.warm?.()),
    ...scorers.map((s) => s.scorer.warm?.()),
  ].map((p) => Promise.resolve(p).catch(() => undefined)));
  const dry: VariantRuntime = {
    spec: { id: 'warm-up', adapter: 'warm-up', options: {} },
    adapter: { kind: 'warm-up', call: () => new Promise((resolve) => setImmediate(() => resolve({ output: 'ok', tokens: { input: 1, output: 1 } }))) },
    limiter: createLimiter({}),
    timeoutMs: 60_000,
    retries: 0,
    prompt: '{{q}}',
    render: compilePrompt('{{q}}'),
    price: () => 0,
  };
  const dryRuntime: TrialRuntime = {
    ...runtime, variants: new Map([['warm-up', dry]]), scorers: [], taskScorers: new Map(),
    close: () => Promise.resolve(),
  };
  const never = new AbortController().signal;
  for (let seq = 0; seq < DRY_TRIALS; seq++) {
    await runTrial({ runId: 'warm-up', seq, variantId: 'warm-up', task: { id: 'warm-up', input: { q: 'warm-up' } }, taskIdx: 0, repeat: 0, seed: seq }, dryRuntime, never);
  }
  if (getHeapStatistics().used_heap_size > GC_AFTER_WARM_BYTES) collectGarbage();
}

/**
 * The heap size above which warming ends with a full collection. Loading an SDK or tsx leaves tens of
 * MB; a run of built-in adapters leaves a few, whose collection (25-50 ms, a fresh context included)
 * would cost more than the pauses it saves.
 */
const GC_AFTER_WARM_BYTES = 32 * 2 ** 20;

/**
 * A full garbage collection now. V8 exposes `gc` to contexts created after `--expose-gc` is set, so
 * the function is taken from a fresh context; the flag changes nothing else.
 */
function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (process.getBuiltinModule('node:vm').runInNewContext('gc') as () => void)();
  } catch {
    // Without it the first trials may meet a collection: slower, not wrong.
  }
}
