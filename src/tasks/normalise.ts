import { createHash } from 'node:crypto';
import { MAX_NESTING, tooDeep } from '../model/nesting.js';
import type { Task } from '../model/task.js';
import { IdSet } from './id-set.js';

const RESERVED = new Set(['id', 'input', 'expected', 'metadata', 'scorers']);

/** A problem with one record, by its index in the source. */
export interface TaskIssue {
  index: number;
  path: string;
  message: string;
}

/** A task's own scorer entries, as written (the loader validates them), by task id. */
export interface TaskScorerEntries {
  /** The record's index in the source, for locating problems. */
  index: number;
  entries: unknown[];
}

/** A shaped record: the task, and its own scorer entries when it carries some. */
export type Shaped = { task: Task; scorers?: unknown[] } | { issue: TaskIssue };

/**
 * Turns raw records into tasks. A record is either `{id?, input: {...}, expected?, metadata?,
 * scorers?}` or flat fields (everything but id/expected/metadata/scorers is input). Ids missing from
 * the source are derived from the content, so they stay stable when the file is reordered. A task's
 * own `scorers` (added to the experiment's for that task) are returned apart, by task id.
 *
 * @example
 * normaliseTasks([{ question: '2+2?', expected: '4' }]).tasks[0].id; // 't-…' (a content hash)
 */
export function normaliseTasks(records: readonly unknown[]): { tasks: Task[]; issues: TaskIssue[]; scorers: Map<string, TaskScorerEntries> } {
  const tasks: Task[] = [];
  const issues: TaskIssue[] = [];
  const scorers = new Map<string, TaskScorerEntries>();
  const normaliser = new TaskNormaliser();
  records.forEach((record, index) => {
    const r = normaliser.next(record, index);
    if ('task' in r) {
      tasks.push(r.task);
      if (r.scorers) scorers.set(r.task.id, { index, entries: r.scorers });
    } else issues.push(r.issue);
  });
  return { tasks, issues, scorers };
}

/**
 * normaliseTasks one record at a time, for datasets that stream past: it remembers every id (to
 * report duplicates) in a few bytes each, and nothing else.
 *
 * @example
 * const n = new TaskNormaliser();
 * for (const [i, record] of records.entries()) { const r = n.next(record, i); ... }
 */
export class TaskNormaliser {
  private readonly seen = new IdSet();

  /**
   * `givenIds: false` leaves ids given in the data to the caller (a large dataset checks them with
   * IdDigests) and keeps only derived ids, which it must number.
   */
  constructor(private readonly options: { givenIds?: boolean } = {}) {}

  /**
   * One record on its own, already validated with the rest (a dataset read again, unchanged): no
   * duplicate check, and no depth check, which a file read three times paid on every line each time.
   */
  static one(record: unknown, index: number): Shaped {
    return shape(record, index, null, false, true);
  }

  next(record: unknown, index: number): Shaped {
    return shape(record, index, this.seen, this.options.givenIds ?? true);
  }
}

/**
 * Shapes one record into a task; with `seen`, also checks its id against the ids before it. A record
 * `validated` before (in a first pass over the same, unchanged file) skips the depth check.
 */
function shape(record: unknown, index: number, seen: IdSet | null, givenIds: boolean, validated = false): Shaped {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return { issue: { index, path: '', message: `expected an object, got ${describe(record)}` } };
  }
  if (!validated && tooDeep(record) !== null) return { issue: { index, path: '', message: `nested more than ${MAX_NESTING} levels deep` } };
  const r = record as Record<string, unknown>;
  let input: Record<string, unknown>;
  if ('input' in r) {
    if (r['input'] === null || typeof r['input'] !== 'object' || Array.isArray(r['input'])) {
      return { issue: { index, path: 'input', message: `expected an object of input fields, got ${describe(r['input'])}` } };
    }
    input = r['input'] as Record<string, unknown>;
  } else {
    input = {};
    for (const key in r) if (!RESERVED.has(key)) input[key] = r[key];
  }
  if (r['metadata'] !== undefined && (typeof r['metadata'] !== 'object' || r['metadata'] === null || Array.isArray(r['metadata']))) {
    return { issue: { index, path: 'metadata', message: `expected an object, got ${describe(r['metadata'])}` } };
  }
  if (r['scorers'] !== undefined && !Array.isArray(r['scorers'])) {
    return { issue: { index, path: 'scorers', message: `expected a list of scorers (added to the experiment's for this task), got ${describe(r['scorers'])}` } };
  }
  if (r['id'] !== undefined && typeof r['id'] !== 'string' && typeof r['id'] !== 'number') {
    return { issue: { index, path: 'id', message: `expected a string or number, got ${describe(r['id'])}` } };
  }
  const given = r['id'] !== undefined ? String(r['id']) : undefined;
  let id = given ?? `t-${contentHash(input, r['expected'])}`;
  const tracked = seen && (given === undefined || givenIds) ? seen : null;
  const previous = tracked ? tracked.add(id, index) : -1;
  if (tracked && previous >= 0) {
    if (given !== undefined) return { issue: { index, path: 'id', message: `duplicate task id '${id}' (first used by task ${previous + 1})` } };
    // Identical content without an id: keep both, numbered by occurrence so the id stays stable.
    let n = 2;
    while (tracked.get(`${id}-${n}`) >= 0) n++;
    id = `${id}-${n}`;
    tracked.add(id, index);
  }
  const task: Task = { id, input };
  if (r['expected'] !== undefined) task.expected = r['expected'];
  if (r['metadata'] !== undefined) task.metadata = r['metadata'] as Record<string, unknown>;
  return Array.isArray(r['scorers']) && r['scorers'].length > 0 ? { task, scorers: r['scorers'] as unknown[] } : { task };
}

function contentHash(input: unknown, expected: unknown): string {
  return createHash('sha256').update(stableJson({ input, expected })).digest('hex').slice(0, 12);
}

/** JSON with object keys sorted, so equal content hashes equally. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : typeof value;
}
