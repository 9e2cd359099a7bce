import type { Task } from '../model/task.js';
import { lookup } from './template.js';

/** What validating an experiment needs to know about all its tasks, gathered as they stream past. */
export interface TaskScan {
  count: number;
  /** Tasks that have an expected answer. */
  withExpected: number;
  /** A few ids of tasks without one. */
  withoutExpected: string[];
  /** Whether some task's id was derived from its content (none given in the data). */
  derivedIds: boolean;
  /** Input field names of the first tasks: offered as "did you mean" for a missing template variable. */
  fields: Set<string>;
  /** Per template variable: how many tasks lack it, and a few of their ids. */
  missing: Map<string, { count: number; examples: string[] }>;
}

const EXAMPLES = 3;
/** Tasks whose field names are gathered for "did you mean". */
const FIELD_SAMPLE = 1000;

/**
 * Gathers a TaskScan one task at a time, for the template variables it is told to look for.
 *
 * @example
 * const scanner = new TaskScanner(['country']);
 * for (const task of tasks) scanner.add(task, given);
 * scanner.scan.missing.get('country'); // { count: 0, examples: [] }
 */
export class TaskScanner {
  readonly scan: TaskScan;
  private readonly paths: string[];

  constructor(variables: Iterable<string>) {
    this.paths = [...new Set(variables)];
    this.scan = { count: 0, withExpected: 0, withoutExpected: [], derivedIds: false, fields: new Set(), missing: new Map(this.paths.map((p) => [p, { count: 0, examples: [] }])) };
  }

  /** One task; `idGiven`: its id came from the data. */
  add(task: Task, idGiven = true): void {
    const s = this.scan;
    if (s.count < FIELD_SAMPLE) for (const key of Object.keys(task.input)) s.fields.add(key);
    s.count++;
    if (!idGiven) s.derivedIds = true;
    if (task.expected !== undefined) s.withExpected++;
    else if (s.withoutExpected.length < EXAMPLES) s.withoutExpected.push(task.id);
    for (const path of this.paths) {
      if (lookup(task.input, path) !== undefined) continue;
      const m = s.missing.get(path)!;
      m.count++;
      if (m.examples.length < EXAMPLES) m.examples.push(task.id);
    }
  }
}
