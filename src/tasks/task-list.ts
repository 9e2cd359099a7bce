import type { Task } from '../model/task.js';
import type { StoredTaskRow } from './stored-row.js';

/**
 * An experiment's tasks, in order: an array (tasks written inline, small files), a large JSONL file
 * read as it is iterated (tasks/file-tasks.ts), or a run's tasks in the store read a chunk at a time.
 * An array is a TaskList as it is, so code and tests that build experiments in memory need nothing.
 * Nothing that reads a TaskList may assume it is held in memory: iterate it, or ask `at` in order.
 *
 * @example
 * for (const task of experiment.tasks) check(task);
 * const third = experiment.tasks.at(2);
 */
export interface TaskList extends Iterable<Task> {
  readonly length: number;
  /** The task at `index` (0-based), or undefined past the end. Fastest in increasing order. */
  at(index: number): Task | undefined;
  /** The tasks as the store keeps them (stored-row.ts), when the list can give them faster than by storing each task. */
  storedRows?(): Iterable<StoredTaskRow>;
}
