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

export function interruptSignals(graceMs: number, log: (line: string) => void): InterruptSignals {
  const stop = new AbortController();
  const cancel = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      log(`\n${signal}: stopping; in-flight trials have ${Math.round(graceMs / 1000)}s to finish (press Ctrl-C again to cancel them now).`);
      stop.abort(signal);
      graceTimer = setTimeout(() => cancel.abort('grace period over'), graceMs);
      graceTimer.unref();
    } else if (!cancel.signal.aborted) {
      log(`${signal}: cancelling in-flight trials.`);
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
