import { describeIssues, type IssueContext } from '../model/issue-text.js';
import type { IssueList } from './issue-list.js';
import { experimentHeadSchema, experimentShape, type ExperimentHead } from './schema.js';
import { fieldsAt } from './schema-keys.js';
import { didYouMean } from '../model/suggest.js';

type Path = (string | number)[];

/** What a field that accepts several shapes accepts, in the words a message uses. */
const EXPECTED: [pattern: RegExp, words: string][] = [
  [/^tasks$/, 'a tasks file (.jsonl, .csv, .json or .yaml), a list of tasks, or { file, limit }'],
  [/^variants$/, 'a list of variants, or a folder of variant files'],
  [/^variants\.\d+$/, 'a variant: { id, adapter, ... }, or a shorthand such as openai:gpt-4o-mini'],
  [/^scorers$/, 'a list of scorers'],
  [/^scorers\.\d+$/, 'a scorer: a name such as equals, { type: equals, ... }, or { equals: { ... } }'],
  [/(^|\.)cost$/, 'a price: dollars per call (a number), or { input, output } in dollars per million tokens'],
  [/(^|\.)latencyMs$/, 'a latency: a number of ms, or { median, p95 }'],
];

/**
 * Where the loader's messages get their words: what a union accepts, and the fields a mapping allows.
 *
 * @example
 * describeIssues(result.error.issues, headContext, ['tasks']);
 */
export const headContext: IssueContext = {
  expected: (path) => expectedAt(path),
  knownKeys: (path) => fieldsAt(experimentHeadSchema, path),
};

/** The phrase for what a field with several accepted shapes takes, by its path (`variants.0`). */
export function expectedAt(path: readonly (string | number)[]): string | undefined {
  const key = path.join('.');
  return EXPECTED.find(([pattern]) => pattern.test(key))?.[1];
}

/**
 * Reads the experiment's own fields one by one, so a bad field never hides the problems of the
 * others: each bad field is reported (unknown ones with the closest known name) and left out, and
 * `broken` names them so later checks that depend on them are skipped rather than misled.
 *
 * @example
 * const { head, broken } = readHead(doc.value, list);
 */
export function readHead(raw: Record<string, unknown>, list: IssueList): { head: ExperimentHead; broken: Set<string> } {
  const known = Object.keys(experimentShape);
  for (const key of Object.keys(raw)) {
    if (!(key in experimentShape)) list.atKey([key], `unknown field '${key}'${didYouMean(key, known)}`);
  }
  const head: Record<string, unknown> = {};
  const broken = new Set<string>();
  for (const [key, schema] of Object.entries(experimentShape)) {
    const parsed = schema.safeParse(raw[key], { reportInput: true });
    if (parsed.success) {
      if (parsed.data !== undefined) head[key] = parsed.data;
      continue;
    }
    broken.add(key);
    for (const problem of describeIssues(parsed.error.issues, headContext, [key])) report(list, problem.path, problem.message, problem.atKey);
  }
  return { head: head as ExperimentHead, broken };
}

/** Reports at a value, or at a key for an unknown field. */
export function report(list: IssueList, path: Path, message: string, atKey = false): void {
  if (atKey) list.atKey(path, message);
  else list.at(path, message);
}
