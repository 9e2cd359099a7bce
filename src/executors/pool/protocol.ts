import type { Experiment } from '../../config/experiment.js';
import type { BackoffOptions } from '../../engine/retry.js';
import type { Task } from '../../model/task.js';
import type { TrialOutcome, TrialSpec } from '../../model/trial.js';

/**
 * The producer protocol: JSON messages over a child process's IPC channel. Work is organised by run
 * (a grid, an adaptive run, a continuous run, a topic or a gateway route: anything whose units are
 * trials). A producer builds a run's adapters and scorers once, on `run`; trial specs then travel as
 * compact tuples in batches, and outcomes come back in batches.
 *
 *   master -> producer: run, trials, cancel, end, shutdown
 *   producer -> master: ready, hb (heartbeat), outcomes, log
 */

/**
 * A trial spec on the wire: `[seq, variantIndex, taskIdx, repeat, seed]`, plus the task itself when
 * it is not the run's task at `taskIdx` (tasks created on the fly: a topic request, a gateway call).
 */
export type WireSpec = [number, number, number, number, number] | [number, number, number, number, number, Task];

export type ToProducer =
  /** Build this run's runtime (adapters, scorers) from its validated experiment, once. */
  | { t: 'run'; runId: string; experiment: Experiment; backoff?: BackoffOptions }
  | { t: 'trials'; runId: string; specs: WireSpec[] }
  /** Cancel every trial of the run in flight here (they report nothing). */
  | { t: 'cancel'; runId: string }
  /** The run is over: close its runtime. */
  | { t: 'end'; runId: string }
  /** Exit once in-flight trials are done (the supervisor kills it after its stop timeout). */
  | { t: 'shutdown' };

export type FromProducer =
  | { t: 'ready' }
  | { t: 'hb'; rss: number; done: number }
  | { t: 'outcomes'; runId: string; outcomes: TrialOutcome[] };

/**
 * Encodes a spec for the wire; the task travels only when it is not the experiment's own.
 *
 * @example
 * toWire(spec, variantIndexOf, experiment.tasks); // [12, 0, 4, 0, 991823]
 */
export function toWire(spec: TrialSpec, variantIndex: number, tasks: readonly Task[]): WireSpec {
  const base: [number, number, number, number, number] = [spec.seq, variantIndex, spec.taskIdx, spec.repeat, spec.seed];
  return tasks[spec.taskIdx] === spec.task ? base : [...base, spec.task];
}

/** Decodes a wire spec against the run's experiment. */
export function fromWire(runId: string, wire: WireSpec, experiment: Experiment): TrialSpec {
  const [seq, variantIndex, taskIdx, repeat, seed, task] = wire;
  const variant = experiment.variants[variantIndex];
  const resolved = task ?? experiment.tasks[taskIdx];
  if (!variant || !resolved) throw new Error(`trial ${seq}: no variant #${variantIndex} or task #${taskIdx} in run ${runId}`);
  return { runId, seq, variantId: variant.id, task: resolved, taskIdx, repeat, seed };
}
