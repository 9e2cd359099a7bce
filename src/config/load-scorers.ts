import { resolve } from 'node:path';
import type { TaskScan } from '../tasks/scan.js';
import { findScorer, scorerTypes } from '../scoring/registry.js';
import { resolveEnv } from './env.js';
import type { ScorerSpec } from './experiment.js';
import { describeIssues, describeValue } from '../model/issue-text.js';
import { withFileHint } from './load-tasks.js';
import { didYouMean } from '../model/suggest.js';
import { validateVariant, type FieldIssue } from './variants.js';

type Path = (string | number)[];

/** Where a scorer list's problems go: `at(path, message, atKey)` with a path inside the list's owner. */
export type Reporter = (path: Path, message: string, atKey?: boolean) => void;

/** One scorer entry as written, read into its type and options, with where its options were written. */
interface Entry {
  type: string;
  options: Record<string, unknown>;
  weight: unknown;
  /** Path of the options mapping: the entry itself, or `[equals]` inside `- equals: {...}`. */
  base: Path;
}

/**
 * Reads the forms a scorer entry may take: a name (`- equals`), a mapping with `type`
 * (`- { type: contains, value: Paris }`), or a mapping keyed by the scorer's name (`- equals: {}`,
 * `- contains: { value: Paris }`). Returns the entry, or reports what is wrong with it.
 */
function readEntry(entry: unknown, at: Path, report: Reporter): Entry | null {
  const known = `known scorers: ${scorerTypes.join(', ')}`;
  const unknown = (name: string, path: Path, atKey = false) => report(path, `unknown scorer '${name}'${didYouMean(name, scorerTypes)} (${known})`, atKey);
  if (typeof entry === 'string') {
    if (!findScorer(entry)) return (unknown(entry, at), null);
    return { type: entry, options: {}, weight: undefined, base: at };
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    report(at, `expected a scorer: a name such as equals, { type: equals, ... }, or { equals: { ... } }, got ${describeValue(entry)}`);
    return null;
  }
  const raw = entry as Record<string, unknown>;
  if ('type' in raw) {
    const { type, weight, ...options } = raw;
    if (typeof type !== 'string') return (report([...at, 'type'], `expected a scorer name (${known}), got ${describeValue(type)}`), null);
    if (!findScorer(type)) return (unknown(type, [...at, 'type']), null);
    return { type, options, weight, base: at };
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1) {
    const named = keys.filter((k) => findScorer(k));
    report(at, named.length
      ? `a scorer written as { ${named[0]}: { ... } } has that one key; put the other fields inside it, or write { type: ${named[0]}, ... }`
      : `missing: type (${known})`);
    return null;
  }
  const type = keys[0] as string;
  if (!findScorer(type)) return (unknown(type, [...at, type], true), null);
  const value = raw[type];
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    report([...at, type], `expected the options of ${type} as a mapping (or nothing: ${type}: {}), got ${describeValue(value)}`);
    return null;
  }
  const { weight, ...options } = (value ?? {}) as Record<string, unknown>;
  return { type, options, weight, base: [...at, type] };
}

/** What the expected-answer check needs of the tasks (a TaskScan has it). */
export type ExpectedScan = Pick<TaskScan, 'count' | 'withExpected' | 'withoutExpected'>;

/**
 * Validates a list of scorer entries (the experiment's, or one task's own) and returns them ready to
 * run. `tasks` summarises the tasks these scorers apply to (how many have an expected answer, a few ids
 * of those without): a scorer that needs an expected answer says which tasks have none. Files named by
 * options are resolved against `baseDir`.
 *
 * @example
 * const scorers = await readScorers(head.scorers, ['scorers'], scanner.scan, baseDir, env, (p, m) => list.at(p, m));
 */
export async function readScorers(
  entries: readonly unknown[], at: Path, tasks: ExpectedScan | null, baseDir: string, env: NodeJS.ProcessEnv, report: Reporter,
): Promise<ScorerSpec[]> {
  const scorers: ScorerSpec[] = [];
  for (const [i, raw] of entries.entries()) {
    const entry = readEntry(raw, [...at, i], report);
    if (!entry) continue;
    const definition = findScorer(entry.type);
    if (!definition) continue;
    const weight = entry.weight ?? 1;
    if (typeof weight !== 'number' || !(weight > 0) || !Number.isFinite(weight)) report([...entry.base, 'weight'], `expected a positive number, got ${describeValue(weight)}`);
    const parsed = definition.options.safeParse(entry.options, { reportInput: true });
    if (!parsed.success) {
      const fields = 'shape' in definition.options ? Object.keys((definition.options as unknown as { shape: object }).shape) : [];
      const context = {
        knownKeys: () => [...fields, 'type', 'weight'],
        unknownFieldSuffix: () => ` for scorer '${entry.type}'`,
      };
      for (const p of describeIssues(parsed.error.issues, context, entry.base)) report(p.path, p.message, p.atKey);
      continue;
    }
    const options = entry.options;
    if (entry.type === 'judge' && isRecord(options['variant'])) {
      for (const issue of validateVariant(options['variant'], env).issues as FieldIssue[]) report([...entry.base, 'variant', ...issue.path], issue.message, issue.atKey);
    }
    const needsExpected = entry.type === 'equals' || (entry.type === 'contains' && options['value'] === undefined);
    const missing = needsExpected && tasks ? tasks.count - tasks.withExpected : 0;
    if (missing) {
      report(entry.base, `${entry.type} compares with the expected answer, but ${missing} task(s) have none (e.g. ${tasks?.withoutExpected.join(', ')}); give them an expected field, or use another scorer`);
    }
    for (const issue of (await definition.check?.(resolveEnv(options, env), baseDir)) ?? []) report([...entry.base, ...issue.path], withFileHint(issue.message, options['file']));
    scorers.push({ type: entry.type, weight: typeof weight === 'number' ? weight : 1, options: absolutiseFiles(options, baseDir) });
  }
  return scorers;
}

/** A `file` option made absolute, so the stored experiment does not depend on the working folder. */
export function absolutiseFiles(options: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const file = options['file'];
  return typeof file === 'string' ? { ...options, file: resolve(baseDir, file) } : options;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
