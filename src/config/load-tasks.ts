import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { FileTasks } from '../tasks/file-tasks.js';
import { IdDigests } from '../tasks/id-digests.js';
import { jsonLines } from '../tasks/jsonl.js';
import { readDataset } from '../tasks/load.js';
import { normaliseTasks, TaskNormaliser, type TaskScorerEntries } from '../tasks/normalise.js';
import type { TaskScanner } from '../tasks/scan.js';
import type { TaskList } from '../tasks/task-list.js';
import type { IssueList } from './issue-list.js';
import type { ExperimentHead } from './schema.js';
import { formatPath } from './source-map.js';
import { closest } from '../model/suggest.js';

type Path = (string | number)[];

/** Datasets larger than this are not held in memory: a JSON Lines file is read again to store its tasks. */
const IN_MEMORY_TASKS_BYTES = 8 * 1024 * 1024;

/** The tasks, and their own scorer entries with where to report a problem in them. */
export interface LoadedTasks {
  tasks: TaskList;
  scorers: Map<string, TaskScorerEntries>;
  /** Reports a problem at a path inside task `index` (its line in a file, its path inline). */
  reportAt(index: number, path: Path, message: string): void;
}

/**
 * Reads the tasks (inline, or a .jsonl/.csv/.json/.yaml file) in one pass, reporting every bad record
 * and gathering what the other checks need in `scanner`. A large JSON Lines file streams past (its
 * tasks are read from the file again when the run stores them, and from the store by the run);
 * anything else is held in memory. A
 * missing file names the closest file of its folder.
 *
 * @example
 * const { tasks } = loadTasks(head, baseDir, list, new TaskScanner([]), env);
 */
export function loadTasks(head: ExperimentHead, baseDir: string, list: IssueList, scanner: TaskScanner, env: NodeJS.ProcessEnv): LoadedTasks {
  const spec = head.tasks;
  // The caller reports a missing tasks: (a topic run has none).
  if (spec === undefined) return { tasks: [], scorers: new Map(), reportAt: () => {} };
  if (Array.isArray(spec)) return collect(spec, scanner, (i, p, m) => list.at(['tasks', i, ...p], m), list);
  const rel = typeof spec === 'string' ? spec : spec.file;
  const file = isAbsolute(rel) ? rel : resolve(baseDir, rel);
  const where: Path = typeof spec === 'string' ? ['tasks'] : ['tasks', 'file'];
  if (!existsSync(file)) {
    list.at(where, `tasks file not found: ${rel}${isAbsolute(rel) ? '' : ` (in ${dirname(file)})`}${siblingHint(file, rel)}`);
    return { tasks: [], scorers: new Map(), reportAt: () => {} };
  }
  const limit = typeof spec === 'object' ? spec.limit : undefined;
  const ext = extname(file).toLowerCase();
  if ((ext === '.jsonl' || ext === '.ndjson') && statSync(file).size > IN_MEMORY_TASKS_BYTES) return stream(file, limit, scanner, list);
  const read = readDataset(file, env);
  for (const issue of read.issues) list.inFile(file, issue.path, issue.message, issue.line);
  const reportAt: LoadedTasks['reportAt'] = (i, p, m) => list.inFile(file, `task ${i + 1}${p.length ? `.${formatPath(p)}` : ''}`, m, read.lines?.[i]);
  return collect(limit ? read.records.slice(0, limit) : read.records, scanner, reportAt, list);
}

/** Records held in memory, as tasks. */
function collect(records: readonly unknown[], scanner: TaskScanner, reportAt: LoadedTasks['reportAt'], list: IssueList): LoadedTasks {
  const { tasks, issues, scorers } = normaliseTasks(records);
  for (const issue of issues) reportAt(issue.index, issue.path ? [issue.path] : [], issue.message);
  for (const task of tasks) scanner.add(task);
  if (records.length === 0 && list.count === 0) list.at(['tasks'], 'expected at least one task, got none');
  return { tasks, scorers, reportAt };
}

/**
 * A large JSON Lines file, streamed: ids given in the data are checked by digest (8 bytes each), then
 * confirmed exactly; derived ids (few, and numbered when content repeats) are tracked by the normaliser.
 */
function stream(file: string, limit: number | undefined, scanner: TaskScanner, list: IssueList): LoadedTasks {
  const reportAt: LoadedTasks['reportAt'] = (i, p, m) => list.inFile(file, `task ${i + 1}${p.length ? `.${formatPath(p)}` : ''}`, m);
  const normaliser = new TaskNormaliser({ givenIds: false });
  const digests = new IdDigests();
  const scorers = new Map<string, TaskScorerEntries>();
  let index = 0;
  for (const { line, value, error } of jsonLines(file)) {
    if (limit !== undefined && index >= limit) break;
    if (error !== undefined) {
      list.inFile(file, '', error, line);
      continue;
    }
    const r = normaliser.next(value, index);
    if ('task' in r) {
      scanner.add(r.task, isRecord(value) && value['id'] !== undefined);
      digests.add(r.task.id);
      if (r.scorers) scorers.set(r.task.id, { index, entries: r.scorers });
    } else reportAt(r.issue.index, r.issue.path ? [r.issue.path] : [], r.issue.message);
    index++;
  }
  const candidates = digests.candidates();
  if (candidates.size) reportDuplicates(file, limit, candidates, reportAt);
  if (index === 0 && list.count === 0) list.at(['tasks'], 'expected at least one task, got none');
  return { tasks: new FileTasks(file, scanner.scan.count, { limit, derivedIds: scanner.scan.derivedIds }), scorers, reportAt };
}

/** Reads the file again for the ids whose digest repeats, and reports those that really do. */
function reportDuplicates(file: string, limit: number | undefined, candidates: Set<number>, reportAt: LoadedTasks['reportAt']): void {
  const normaliser = new TaskNormaliser({ givenIds: false });
  const first = new Map<string, number>();
  let index = 0;
  for (const { value } of jsonLines(file)) {
    if (value === undefined) continue;
    if (limit !== undefined && index >= limit) break;
    const r = normaliser.next(value, index);
    if ('task' in r && candidates.has(IdDigests.of(r.task.id))) {
      const previous = first.get(r.task.id);
      if (previous === undefined) first.set(r.task.id, index);
      else reportAt(index, ['id'], `duplicate task id '${r.task.id}' (first used by task ${previous + 1})`);
    }
    index++;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `; did you mean './capitals.jsonl'?` for a file of the same folder with a close name, written the
 * way the user wrote the missing one.
 *
 * @example
 * siblingHint('/p/capital.jsonl', './capital.jsonl'); // "; did you mean './capitals.jsonl'?"
 */
export function siblingHint(file: string, written: string): string {
  const dir = dirname(file);
  let names: string[] = [];
  try {
    names = existsSync(dir) ? readdirSync(dir) : [];
  } catch {
    return '';
  }
  const match = closest(basename(file), names);
  if (!match) return '';
  const folder = dirname(written);
  return `; did you mean '${folder === '.' && !written.startsWith('./') ? match : `${folder}/${match}`}'?`;
}

/**
 * A "file not found: PATH" message with the closest file of PATH's folder, when there is one.
 *
 * @example
 * withFileHint('module file not found: /p/agnt.ts', './agnt.ts'); // "...; did you mean './agent.ts'?"
 */
export function withFileHint(message: string, written: unknown): string {
  const missing = /file not found: (.+)$/.exec(message)?.[1];
  return missing && typeof written === 'string' ? `${message}${siblingHint(missing, written)}` : message;
}
