import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past its live set between full collections, chosen per command.
 *
 * A run allocates short-lived objects at a high rate, and V8's default growth (up to 4x the live set)
 * lets a very long run's peak memory drift far above what it holds: 243 MB at 10,000,000 trials against
 * 213 MB with growth capped at half. The cap costs 15% of a run's CPU in extra full collections, which
 * a run of a million trials (peak about 200 MB either way) should not pay. So `run` and `resume` start
 * uncapped and cap themselves once they know they are large or unbounded; every other command (the
 * gateway, the orchestrator, workers and the server run for days) is capped from its start.
 */
export const CAPPED_GROWTH = '--heap-growing-percent=50';

/** Planned trials from which a run caps its heap growth. */
export const LARGE_RUN_TRIALS = 2_000_000;

/**
 * Whether `command` caps its heap growth from its start. bin/metaorch.cjs applies the same rule before
 * compiling the program: V8 accepts a code cache only under the flags it was made with.
 */
export function capsHeapFromStart(command: string | undefined): boolean {
  return command !== 'run' && command !== 'resume';
}

/**
 * Caps heap growth for a run of `planned` trials (null: no bound) when it is large. V8 reads the flag at
 * every collection, so setting it mid-process works.
 *
 * @example
 * capHeapForRun(plannedTrials(experiment));
 */
export function capHeapForRun(planned: number | null): void {
  if (planned === null || planned >= LARGE_RUN_TRIALS) capHeapNow();
}

/** Caps heap growth from now on. */
export function capHeapNow(): void {
  setFlagsFromString(CAPPED_GROWTH);
}
