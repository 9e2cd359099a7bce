/**
 * Zod issues in plain words. Zod's own messages ("Too small: expected string to have >=1
 * characters", "Invalid input") say how the validator failed, not what the user should write; every
 * issue the config loader reports goes through `describeIssues`, which says what was expected there
 * and what was found, and suggests the closest known field for a misspelt one.
 */
import type { z } from 'zod';
import { didYouMean } from './suggest.js';

type Path = (string | number)[];
type Issue = z.core.$ZodIssue;

/** One problem at a path (relative to what was parsed); `atKey` points at the key rather than its value. */
export interface FieldProblem {
  path: Path;
  message: string;
  atKey?: boolean;
}

/** What the loader knows about the place an issue is at: the fields allowed there, the shape expected. */
export interface IssueContext {
  /** Field names allowed in the mapping at `path` (for "did you mean" on unknown fields). */
  knownKeys?(path: Path): readonly string[] | undefined;
  /** A phrase for what a union at `path` accepts, e.g. "a tasks file path or a list of tasks". */
  expected?(path: Path): string | undefined;
  /** Said after "unknown field 'x'", e.g. " for adapter 'mock'". */
  unknownFieldSuffix?(path: Path, key: string): string;
  /** Name only the kind of a wrong value, never the value (a server's reply may hold anything). */
  hideValues?: boolean;
}

/**
 * Plain-word problems for the issues of one `safeParse(value, { reportInput: true })`.
 *
 * @example
 * const r = schema.safeParse(value, { reportInput: true });
 * if (!r.success) for (const p of describeIssues(r.error.issues)) report(p.path, p.message);
 */
export function describeIssues(issues: readonly Issue[], context: IssueContext = {}, base: Path = []): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as Path)];
    if (issue.code === 'unrecognized_keys') {
      const known = context.knownKeys?.(path);
      for (const key of issue.keys) {
        const suffix = context.unknownFieldSuffix?.(path, key) ?? '';
        out.push({ path: [...path, key], atKey: true, message: `unknown field '${key}'${suffix}${known ? didYouMean(key, known) : ''}` });
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      out.push(...describeUnion(issue, path, context));
      continue;
    }
    out.push({ path, message: describeOne(issue, context.expected?.(path), context.hideValues === true) });
  }
  return out;
}

/** A union: name what it accepts when the value matched none of its kinds, else the closest kind's problems. */
function describeUnion(issue: z.core.$ZodIssueInvalidUnion, path: Path, context: IssueContext): FieldProblem[] {
  if (issue.errors.length === 0) {
    // A discriminated union whose discriminator matched nothing: its own message is ours (policies) or zod's.
    return [{ path, message: isOwnMessage(issue.message) ? issue.message : `expected ${context.expected?.(path) ?? 'a different value'}, got ${describeValue(issue.input)}` }];
  }
  const mismatch = (branch: Issue[]) => branch.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
  const matched = issue.errors.filter((branch) => !mismatch(branch));
  if (matched.length === 0) {
    const kinds = [...new Set(issue.errors.flat().map((i) => (i.code === 'invalid_type' ? typeWords(i.expected) : i.code === 'invalid_value' ? i.values.map(quote).join(' or ') : '')))];
    const expected = context.expected?.(path) ?? joinOr(kinds.filter(Boolean));
    if (issue.input === undefined) return [{ path, message: `missing: expected ${expected}` }];
    return [{ path, message: `expected ${expected}, got ${describeValue(issue.input)}` }];
  }
  // The kind the value resembles most: fewest problems.
  const best = matched.reduce((a, b) => (b.length < a.length ? b : a));
  return describeIssues(best, context, path);
}

function describeOne(issue: Issue, expectedHere: string | undefined, hideValues: boolean): string {
  const got = hideValues ? describeKind(issue.input) : describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = expectedHere ?? typeWords(issue.expected);
      if (issue.input === undefined) return `missing: expected ${expected}`;
      return `expected ${expected}, got ${got}`;
    }
    case 'too_small':
      return tooSmall(issue, got);
    case 'too_big':
      return tooBig(issue, got);
    case 'invalid_value': {
      const values = issue.values.map(quote);
      const hint = typeof issue.input === 'string' && !hideValues ? didYouMean(issue.input, issue.values.map(String)) : '';
      return values.length === 1 ? `expected ${values[0]}, got ${got}` : `expected one of ${values.join(', ')}, got ${got}${hint}`;
    }
    case 'invalid_format':
      if (isOwnMessage(issue.message)) return issue.message;
      if (issue.format === 'url') return `expected a URL (http://... or https://...), got ${got}`;
      return `expected ${issue.format === 'regex' ? 'text matching the pattern' : `a valid ${issue.format}`}, got ${got}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}, got ${got}`;
    case 'invalid_key':
      return 'has a key that is not allowed here';
    case 'invalid_element':
      return 'has an entry that is not allowed here';
    default:
      return isOwnMessage(issue.message) ? issue.message : `is not valid here (got ${got})`;
  }
}

function tooSmall(issue: z.core.$ZodIssueTooSmall, got: string): string {
  const min = Number(issue.minimum);
  if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `expected at least ${min} characters, got ${got}`;
  if (issue.origin === 'array' || issue.origin === 'set') return min <= 1 ? 'expected at least one entry, got an empty list' : `expected at least ${min} entries`;
  if (isOwnMessage(issue.message)) return issue.message;
  return `expected ${issue.inclusive === false ? `more than ${number(min)}` : `at least ${number(min)}`}, got ${got}`;
}

function tooBig(issue: z.core.$ZodIssueTooBig, got: string): string {
  const max = Number(issue.maximum);
  if (issue.origin === 'string') return `expected at most ${number(max)} characters`;
  if (issue.origin === 'array' || issue.origin === 'set') return `expected at most ${number(max)} entries`;
  if (isOwnMessage(issue.message)) return issue.message;
  return `expected ${issue.inclusive === false ? `less than ${number(max)}` : `at most ${number(max)}`}, got ${got}`;
}

/** Messages the project wrote (in `.refine`, `.regex(re, message)`, custom issues) start in lower case; zod's start with a capital. */
function isOwnMessage(message: string): boolean {
  return message !== '' && message[0] === message[0]?.toLowerCase();
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping of fields',
  record: 'a mapping of fields',
  map: 'a mapping of fields',
  null: 'null',
  bigint: 'a whole number',
  date: 'a date',
};

function typeWords(expected: string): string {
  return TYPE_WORDS[expected] ?? expected;
}

/**
 * A value as a message shows it: short scalars verbatim (they are what the user wrote in the config),
 * long text by its length, structures by their kind.
 *
 * @example
 * describeValue('gird'); // "'gird'"
 * describeValue([1, 2]); // 'a list'
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nothing (null)';
  if (typeof value === 'string') return value.length <= 40 ? quote(value) : `text of ${number(value.length)} characters`;
  if (typeof value === 'number') return Number.isFinite(value) ? number(value) : String(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** The kind of a value, never the value: for messages about what a server sent. */
function describeKind(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number' || typeof value === 'boolean') return `a ${typeof value}`;
  return Array.isArray(value) ? 'a list' : 'a mapping';
}

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function number(x: number): string {
  return Math.abs(x) >= 10_000 && Number.isInteger(x) ? x.toLocaleString('en-US') : String(x);
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'a different value';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
