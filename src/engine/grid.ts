import type { Experiment } from '../config/experiment.js';
import { seedHasher } from '../model/random.js';
import type { TrialSpec } from '../model/trial.js';
import type { Scheduler } from './types.js';

/**
 * Every variant x every task x `repeats`, generated lazily (memory stays flat however large the grid).
 * A trial's seq is its position in the plan, so resume recomputes the same ids and skips finished ones.
 * Order is repeat-major, then task, then variant, so partial results stay balanced across variants.
 *
 * @example
 * const scheduler = gridScheduler(runId, experiment, (seq) => finished.has(seq));
 */
export function gridScheduler(runId: string, experiment: Experiment, isFinished: (seq: number) => boolean): Scheduler {
  const variants = experiment.variants.map((v) => v.id);
  const tasks = experiment.tasks;
  const nv = variants.length;
  const perRepeat = nv * tasks.length;
  const planned = perRepeat * experiment.repeats;
  const seedOf = seedHasher(experiment.seed);
  let seq = 0;
  return {
    planned,
    next(): TrialSpec | null {
      while (seq < planned && isFinished(seq)) seq++;
      if (seq >= planned) return null;
      const s = seq++;
      const repeat = Math.floor(s / perRepeat);
      const within = s - repeat * perRepeat;
      const taskIdx = Math.floor(within / nv);
      const task = tasks.at(taskIdx);
      const variantId = variants[within % nv];
      if (!task || variantId === undefined) return null;
      return { runId, seq: s, variantId, task, taskIdx, repeat, seed: seedOf(s) };
    },
  };
}
