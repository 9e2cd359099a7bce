import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { Task } from '../model/task.js';
import { readDataset } from '../tasks/load.js';
import { normaliseTasks, type TaskScorerEntries } from '../tasks/normalise.js';
import type { IssueList } from './issue-list.js';
import type { ExperimentHead } from './schema.js';
import { formatPath } from './source-map.js';
import { closest } from '../model/suggest.js';

type Path = (string | number)[];

/** The tasks, and their own scorer entries with where to report a problem in them. */
export interface LoadedTasks {
  tasks: Task[];
  scorers: Map<string, TaskScorerEntries>;
  /** Reports a problem at a path inside task `index` (its line in a file, its path inline). */
  reportAt(index: number, path: Path, message: string): void;
}

/**
 * Reads the tasks (inline, or a .jsonl/.csv/.json/.yaml file), reporting every bad record. A missing
 * file names the closest file of its folder.
 *
 * @example
 * const { tasks } = loadTasks(head, baseDir, list, env);
 */
export function loadTasks(head: ExperimentHead, baseDir: string, list: IssueList, env: NodeJS.ProcessEnv): LoadedTasks {
  const spec = head.tasks;
  let records: unknown[];
  let reportAt: LoadedTasks['reportAt'];
  if (Array.isArray(spec)) {
    records = spec;
    reportAt = (i, p, m) => list.at(['tasks', i, ...p], m);
  } else {
    const rel = typeof spec === 'string' ? spec : spec.file;
    const file = isAbsolute(rel) ? rel : resolve(baseDir, rel);
    const where: Path = typeof spec === 'string' ? ['tasks'] : ['tasks', 'file'];
    if (!existsSync(file)) {
      list.at(where, `tasks file not found: ${rel}${isAbsolute(rel) ? '' : ` (in ${dirname(file)})`}${siblingHint(file, rel)}`);
      return { tasks: [], scorers: new Map(), reportAt: () => {} };
    }
    const read = readDataset(file, env);
    for (const issue of read.issues) list.inFile(file, issue.path, issue.message, issue.line);
    records = typeof spec === 'object' && spec.limit ? read.records.slice(0, spec.limit) : read.records;
    reportAt = (i, p, m) => list.inFile(file, `task ${i + 1}${p.length ? `.${formatPath(p)}` : ''}`, m, read.lines?.[i]);
  }
  const { tasks, issues, scorers } = normaliseTasks(records);
  for (const issue of issues) reportAt(issue.index, issue.path ? [issue.path] : [], issue.message);
  if (records.length === 0 && list.count === 0) list.at(['tasks'], 'expected at least one task, got none');
  return { tasks, scorers, reportAt };
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
