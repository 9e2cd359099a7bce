import type { Experiment } from '../config/experiment.js';
import type { Task } from '../model/task.js';
import type { TrialSpec } from '../model/trial.js';
import type { TaskList } from '../tasks/task-list.js';

/**
 * A trial spec on the wire: `[seq, variantIndex, taskIdx, repeat, seed]`, plus the task itself when
 * it is not the run's task at `taskIdx` (tasks created on the fly: a topic request, a gateway call). Pool producers and BullMQ jobs carry specs this way.
 */
export type WireSpec = [number, number, number, number, number] | [number, number, number, number, number, Task];

/**
 * Encodes a spec for the wire; the task travels only when it is not the experiment's own.
 *
 * @example
 * toWire(spec, variantIndexOf, experiment.tasks); // [12, 0, 4, 0, 991823]
 */
export function toWire(spec: TrialSpec, variantIndex: number, tasks: TaskList): WireSpec {
  const base: [number, number, number, number, number] = [spec.seq, variantIndex, spec.taskIdx, spec.repeat, spec.seed];
  // A list not held in memory (a large file, the store) makes a new object per read: the task travels then.
  return Array.isArray(tasks) && tasks[spec.taskIdx] === spec.task ? base : [...base, spec.task];
}

/**
 * Decodes a wire spec against the run's experiment.
 *
 * @example
 * fromWire(runId, [12, 0, 4, 0, 991823], experiment); // { runId, seq: 12, variantId: 'a', task: tasks[4], ... }
 */
export function fromWire(runId: string, wire: WireSpec, experiment: Experiment): TrialSpec {
  const [seq, variantIndex, taskIdx, repeat, seed, task] = wire;
  const variant = experiment.variants[variantIndex];
  const resolved = task ?? experiment.tasks.at(taskIdx);
  if (!variant || !resolved) throw new Error(`trial ${seq}: no variant #${variantIndex} or task #${taskIdx} in run ${runId}`);
  return { runId, seq, variantId: variant.id, task: resolved, taskIdx, repeat, seed };
}
