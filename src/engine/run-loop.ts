import type { TrialOutcome, TrialSpec } from '../model/trial.js';
import { TrialCancelled } from './classify.js';
import type { Executor, RunObserver, Scheduler, StopReason } from './types.js';

export interface LoopOptions {
  scheduler: Scheduler;
  executor: Executor;
  concurrency: number;
  observers: readonly RunObserver[];
  /** Asked before each dispatch; a reason stops scheduling (what is in flight finishes). */
  shouldStop: () => StopReason | null;
  /** Aborting stops scheduling; what is in flight may finish. */
  stop: AbortSignal;
  /** Aborting cancels what is in flight (not recorded; resume redoes it). */
  cancel: AbortSignal;
}

/** Yield to timers and signals at least this often, even when every trial is instant. */
const YIELD_EVERY_MS = 15;

/**
 * The run loop: `concurrency` workers each take the next trial from the scheduler, run it on the
 * executor and tell the observers. Returns why it stopped.
 *
 * @example
 * const reason = await runLoop({ scheduler, executor, concurrency: 8, observers, shouldStop, stop, cancel });
 */
export async function runLoop(o: LoopOptions): Promise<StopReason> {
  let reason: StopReason | null = null;
  let lastYield = performance.now();
  // One shared pause: every worker waits on the same setImmediate, so the event loop really turns
  // (signals, timers, the writer's flush) instead of each worker yielding in turn.
  let pause: Promise<void> | null = null;
  const yieldToLoop = (): Promise<void> =>
    (pause ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        pause = null;
        lastYield = performance.now();
        resolve();
      }),
    ));
  const stopped = (): boolean => {
    if (reason) return true;
    if (o.stop.aborted || o.cancel.aborted) reason = 'interrupted';
    else reason = o.shouldStop();
    return reason !== null;
  };
  const notifyStart = (spec: TrialSpec) => {
    for (const obs of o.observers) obs.onTrialStart?.(spec);
  };
  const notifyEnd = (spec: TrialSpec, outcome: TrialOutcome) => {
    o.scheduler.onResult?.(spec, outcome);
    for (const obs of o.observers) obs.onTrialEnd?.(spec, outcome);
  };
  const worker = async () => {
    for (;;) {
      if (performance.now() - lastYield > YIELD_EVERY_MS) await yieldToLoop();
      if (stopped()) return;
      const spec = o.scheduler.next();
      if (!spec) {
        reason ??= o.scheduler.stopReason?.() ?? null;
        return;
      }
      notifyStart(spec);
      let outcome: TrialOutcome;
      try {
        // A trial that finished in the same tick comes back as a value: no promise to wait for.
        const result = o.executor.run(spec, o.cancel);
        outcome = result instanceof Promise ? await result : result;
      } catch (error) {
        if (error instanceof TrialCancelled) {
          // Every worker may be in flight when the cancel lands: none passes stopped() again.
          reason ??= 'interrupted';
          return;
        }
        throw error;
      }
      notifyEnd(spec, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return reason ?? 'done';
}
