/**
 * Ctrl-C handling for a run: the first SIGINT/SIGTERM stops scheduling and gives in-flight trials
 * `graceMs` to finish; a second signal, or the end of the grace period, cancels them (they stay
 * unrecorded and `metaorch resume` runs them again under the same ids).
 */
export interface InterruptSignals {
  stop: AbortSignal;
  cancel: AbortSignal;
  dispose(): void;
}

/** What the user is told at each step; the CLI prints these where the progress bar cannot overwrite them. */
export interface InterruptNotices {
  stopping(signal: NodeJS.Signals, graceMs: number): void;
  cancelling(signal: NodeJS.Signals, why: 'signal' | 'grace period over'): void;
}

/**
 * @example
 * const signals = interruptSignals(10_000, { stopping: () => progress.notice('stopping...'), cancelling: () => {} });
 * await startRun(experiment, { store, stop: signals.stop, cancel: signals.cancel });
 */
export function interruptSignals(graceMs: number, notices: InterruptNotices): InterruptSignals {
  const stop = new AbortController();
  const cancel = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      notices.stopping(signal, graceMs);
      stop.abort(signal);
      graceTimer = setTimeout(() => {
        notices.cancelling(signal, 'grace period over');
        cancel.abort('grace period over');
      }, graceMs);
      graceTimer.unref();
    } else if (!cancel.signal.aborted) {
      notices.cancelling(signal, 'signal');
      cancel.abort(signal);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: stop.signal,
    cancel: cancel.signal,
    dispose() {
      clearTimeout(graceTimer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
