import { createHash } from 'node:crypto';
import { MAX_NESTING, tooDeep } from '../model/nesting.js';
import type { Task } from '../model/task.js';

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
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      issues.push({ index, path: '', message: `expected an object, got ${describe(record)}` });
      return;
    }
    if (tooDeep(record) !== null) {
      issues.push({ index, path: '', message: `nested more than ${MAX_NESTING} levels deep` });
      return;
    }
    const r = record as Record<string, unknown>;
    let input: Record<string, unknown>;
    if ('input' in r) {
      if (r['input'] === null || typeof r['input'] !== 'object' || Array.isArray(r['input'])) {
        issues.push({ index, path: 'input', message: `expected an object of input fields, got ${describe(r['input'])}` });
        return;
      }
      input = r['input'] as Record<string, unknown>;
    } else {
      input = Object.fromEntries(Object.entries(r).filter(([k]) => !RESERVED.has(k)));
    }
    if (r['metadata'] !== undefined && (typeof r['metadata'] !== 'object' || r['metadata'] === null || Array.isArray(r['metadata']))) {
      issues.push({ index, path: 'metadata', message: `expected an object, got ${describe(r['metadata'])}` });
      return;
    }
    if (r['scorers'] !== undefined && !Array.isArray(r['scorers'])) {
      issues.push({ index, path: 'scorers', message: `expected a list of scorers (added to the experiment's for this task), got ${describe(r['scorers'])}` });
      return;
    }
    if (r['id'] !== undefined && typeof r['id'] !== 'string' && typeof r['id'] !== 'number') {
      issues.push({ index, path: 'id', message: `expected a string or number, got ${describe(r['id'])}` });
      return;
    }
    const given = r['id'] !== undefined ? String(r['id']) : undefined;
    let id = given ?? `t-${contentHash(input, r['expected'])}`;
    const previous = seen.get(id);
    if (previous !== undefined) {
      if (given !== undefined) {
        issues.push({ index, path: 'id', message: `duplicate task id '${id}' (first used by task ${previous + 1})` });
        return;
      }
      // Identical content without an id: keep both, numbered by occurrence so the id stays stable.
      let n = 2;
      while (seen.has(`${id}-${n}`)) n++;
      id = `${id}-${n}`;
    }
    seen.set(id, index);
    const task: Task = { id, input };
    if (r['expected'] !== undefined) task.expected = r['expected'];
    if (r['metadata'] !== undefined) task.metadata = r['metadata'] as Record<string, unknown>;
    if (Array.isArray(r['scorers']) && r['scorers'].length > 0) scorers.set(id, { index, entries: r['scorers'] as unknown[] });
    tasks.push(task);
  });
  return { tasks, issues, scorers };
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
  // Never the value itself: a mistyped path may point at a file of secrets.
  return typeof value === 'string' ? `a string (${value.length} characters)` : typeof value;
}
