import { statSync } from 'node:fs';
import { ConfigError } from '../model/errors.js';
import type { Task } from '../model/task.js';
import { jsonLines, lineTexts } from './jsonl.js';
import { TaskNormaliser } from './normalise.js';
import { canonicalRow, storedRow, type StoredTaskRow } from './stored-row.js';
import type { TaskList } from './task-list.js';

/**
 * The tasks of a validated JSON Lines file, read from the file each time they are iterated: a
 * dataset of millions of tasks is never held in memory. Validation (config/load.ts) has read it once
 * already, so every line is a task and `length` is known. A file that changed since (its size or
 * modification time) is refused rather than read: what runs is what was validated.
 *
 * @example
 * const tasks = new FileTasks('/abs/tasks.jsonl', 3_333_334, { derivedIds: false });
 * for (const task of tasks) store(task);
 */
export class FileTasks implements TaskList {
  private cursor: Iterator<Task> | null = null;
  /** How many tasks the cursor has given; the last one is kept (a grid asks for it once per variant). */
  private position = 0;
  private last: Task | undefined;
  private readonly stamp: string;

  constructor(
    readonly file: string,
    readonly length: number,
    private readonly options: { limit?: number | undefined; derivedIds: boolean },
  ) {
    this.stamp = stampOf(file);
  }

  *[Symbol.iterator](): Iterator<Task> {
    this.checkUnchanged();
    // Ids derived from content need the ids seen so far (identical content is numbered); given ids do not.
    const normaliser = this.options.derivedIds ? new TaskNormaliser({ givenIds: false }) : null;
    let index = 0;
    for (const { value } of jsonLines(this.file)) {
      if (index >= this.length) return;
      const r = normaliser ? normaliser.next(value, index) : TaskNormaliser.one(value, index);
      index++;
      if ('task' in r) yield r.task;
    }
  }

  /**
   * The tasks as the store keeps them. A line written as JSON.stringify writes a record is cut into
   * its row without being parsed (stored-row.ts: the same texts); any other line is parsed and shaped.
   * Ids derived from content need every task parsed.
   */
  *storedRows(): Iterable<StoredTaskRow> {
    if (this.options.derivedIds) {
      for (const task of this) yield storedRow(task);
      return;
    }
    this.checkUnchanged();
    let index = 0;
    for (const { text } of lineTexts(this.file)) {
      if (index >= this.length) return;
      const row = canonicalRow(text);
      if (row) yield row;
      else {
        const r = TaskNormaliser.one(JSON.parse(text), index);
        if ('task' in r) yield storedRow(r.task);
      }
      index++;
    }
  }

  /** Fast in increasing order (one pass over the file); going back starts the file again. */
  at(index: number): Task | undefined {
    if (index < 0 || index >= this.length) return undefined;
    if (index === this.position - 1) return this.last;
    if (!this.cursor || index < this.position) {
      this.cursor?.return?.();
      this.cursor = this[Symbol.iterator]();
      this.position = 0;
    }
    while (this.position <= index) {
      const next = this.cursor.next();
      if (next.done) return undefined;
      this.last = next.value;
      this.position++;
    }
    if (this.position === this.length) this.close();
    return this.last;
  }

  /** Lets go of the file when a walk by `at` reached the end (or is abandoned). */
  close(): void {
    this.cursor?.return?.();
    this.cursor = null;
  }

  private checkUnchanged(): void {
    if (stampOf(this.file) !== this.stamp) {
      throw new ConfigError([{ file: this.file, path: '', message: 'the dataset changed after it was validated: run the experiment again' }]);
    }
  }
}

function stampOf(file: string): string {
  const s = statSync(file);
  return `${s.size}:${s.mtimeMs}`;
}
