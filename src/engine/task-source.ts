import { createRandom, hashSeed } from '../model/random.js';

/** The task a trial runs: its position in the run's task list and the pass through the list. */
export interface TaskPick {
  taskIdx: number;
  /** Which pass through the task list this is (stored as the trial's `repeat`). */
  pass: number;
}

/**
 * Where an open-ended run (adaptive, continuous) gets the task of each next trial. Pluggable: the
 * experiment's task list cycled in seeded permutations now; a topic generator or a queue of live
 * gateway requests later. `next` must not depend on which variant is chosen, so every variant sees
 * the same distribution of tasks, and must be a function of `seq` alone for a finite list, so resume
 * gives a trial the task it had. A live source whose queue is empty returns null (nothing to
 * schedule now); the run loop then ends, so a live source must also make the loop wait (issue 11).
 *
 * @example
 * const source = cycledTasks(experiment.tasks, experiment.seed);
 * source.next(0); // { taskIdx: 17, pass: 0 }
 */
export interface TaskSource {
  readonly name: string;
  next(seq: number): TaskPick | null;
}

/**
 * The task list in a fresh seeded permutation per pass: trial `seq` runs task
 * `perm_p[seq mod n]` with `p = floor(seq / n)`, so the order never depends on the choices.
 *
 * @example
 * cycledTasks(tasks, 42).next(tasks.length); // the first task of the second pass
 */
export function cycledTasks(tasks: { readonly length: number }, seed: number): TaskSource {
  let pass = -1;
  let perm: Uint32Array = new Uint32Array(0);
  return {
    name: 'cycled',
    next(seq) {
      if (tasks.length === 0) return null;
      const p = Math.floor(seq / tasks.length);
      if (p !== pass) {
        pass = p;
        const rng = createRandom(hashSeed(seed, 'tasks', p));
        perm = Uint32Array.from({ length: tasks.length }, (_, i) => i);
        for (let i = perm.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
      }
      return { taskIdx: perm[seq % tasks.length]!, pass: p };
    },
  };
}
