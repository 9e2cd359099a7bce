import { UsageError } from '../model/errors.js';
import { createRandom, hashSeed } from '../model/random.js';
import { didYouMean } from '../model/suggest.js';
import type { Task } from '../model/task.js';
import type { TaskList } from '../tasks/task-list.js';
import type { Experiment } from './experiment.js';

/** A part of an experiment to run: some variants, the first N tasks, or N tasks drawn with the seed. */
export interface Selection {
  variants?: readonly string[];
  limit?: number;
  sample?: number;
}

/**
 * The experiment narrowed to a selection (`run --variant ID --limit N --sample N`). Pure: the same
 * experiment, selection and seed give the same tasks, so a sampled run is reproducible, and the run
 * stores what it ran (resume runs exactly that).
 *
 * @example
 * selectRun(experiment, { variants: ['careful'], sample: 10 }).tasks.length; // 10
 */
export function selectRun(experiment: Experiment, selection: Selection): Experiment {
  if (selection.limit !== undefined && selection.sample !== undefined) throw new UsageError('--limit and --sample: choose one');
  let { variants, tasks } = experiment;
  if (selection.variants?.length) {
    const known = variants.map((v) => v.id);
    for (const id of selection.variants) {
      if (!known.includes(id)) throw new UsageError(`--variant: no variant '${id}' in ${experiment.name}${didYouMean(id, known)} (variants: ${known.join(', ')})`);
    }
    const wanted = new Set(selection.variants);
    variants = variants.filter((v) => wanted.has(v.id));
  }
  if (selection.limit !== undefined && selection.limit < tasks.length) tasks = pick(tasks, new Set(Array.from({ length: selection.limit }, (_, i) => i)));
  if (selection.sample !== undefined && selection.sample < tasks.length) {
    // A seeded partial shuffle picks the tasks; they keep the file's order.
    const rng = createRandom(hashSeed(experiment.seed, 'sample'));
    const idx = Array.from({ length: tasks.length }, (_, i) => i);
    for (let i = 0; i < selection.sample; i++) {
      const j = i + rng.int(idx.length - i);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    tasks = pick(tasks, new Set(idx.slice(0, selection.sample)));
  }
  return variants === experiment.variants && tasks === experiment.tasks ? experiment : { ...experiment, variants, tasks };
}

/** The tasks at these indexes, in order, read in one pass (a large dataset is not held in memory). */
function pick(tasks: TaskList, keep: ReadonlySet<number>): Task[] {
  const out: Task[] = [];
  let i = 0;
  for (const task of tasks) {
    if (keep.has(i++)) out.push(task);
    if (out.length === keep.size) break;
  }
  return out;
}

/**
 * A count flag: a whole number of at least 1.
 *
 * @example
 * countFlag('--limit', '20'); // 20
 */
export function countFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a whole number of at least 1, got '${value}'`);
  return n;
}
