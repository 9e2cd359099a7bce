import type { TrialRuntime } from '../engine/runtime.js';
import { runTrial } from '../engine/run-trial.js';
import type { Executor } from '../engine/types.js';

/**
 * Runs trials in this process, concurrently on the event loop.
 *
 * @example
 * const executor = inlineExecutor(buildRuntime(experiment, process.env));
 */
export function inlineExecutor(runtime: TrialRuntime): Executor {
  return {
    name: 'inline',
    run: (spec, cancel) => runTrial(spec, runtime, cancel),
    close: () => runtime.close(),
  };
}
