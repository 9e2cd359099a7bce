import { MAX_NESTING } from '../model/nesting.js';
import type { Task } from '../model/task.js';
import type { TaskList } from './task-list.js';

/** A task as the store keeps it: its id, then its input, expected and metadata as JSON text (null: absent). */
export type StoredTaskRow = [id: string, input: string, expected: string | null, metadata: string | null];

/**
 * The row the store keeps for a task.
 *
 * @example
 * storedRow({ id: 'a', input: { n: 1 } }); // ['a', '{"n":1}', null, null]
 */
export function storedRow(task: Task): StoredTaskRow {
  return [
    task.id, JSON.stringify(task.input), task.expected === undefined ? null : JSON.stringify(task.expected),
    task.metadata ? JSON.stringify(task.metadata) : null,
  ];
}

/**
 * The task a stored row holds: storedRow's inverse.
 *
 * @example
 * storedTask(['a', '{"n":1}', '"7"', null]); // { id: 'a', input: { n: 1 }, expected: '7' }
 */
export function storedTask([id, input, expected, metadata]: StoredTaskRow): Task {
  const task: Task = { id, input: JSON.parse(input) as Record<string, unknown> };
  if (expected !== null) task.expected = plainString(expected) ?? JSON.parse(expected);
  if (metadata !== null) task.metadata = JSON.parse(metadata) as Record<string, unknown>;
  return task;
}

/**
 * The value of a JSON string text written without escapes, else undefined. JSON.stringify escapes
 * every quote and control character, so between the quotes of such a text is the string itself. The
 * common expected answer is one, and JSON.parse would look each up in V8's string table.
 */
function plainString(json: string): string | undefined {
  return json.charCodeAt(0) === QUOTE && !json.includes('\\') ? json.slice(1, -1) : undefined;
}

/**
 * Every task's stored row: from the list itself when it can give them faster (a large JSON Lines
 * file), else from each task.
 *
 * @example
 * for (const [id, input, expected, metadata] of storedRowsOf(experiment.tasks)) insert(...);
 */
export function storedRowsOf(tasks: TaskList): Iterable<StoredTaskRow> {
  return tasks.storedRows ? tasks.storedRows() : rowsOf(tasks);
}

function* rowsOf(tasks: Iterable<Task>): Generator<StoredTaskRow> {
  for (const task of tasks) yield storedRow(task);
}

/**
 * The stored row of a JSON Lines record, read off its text without parsing it, when the line is
 * exactly what `JSON.stringify` writes for `{id, input, expected?, metadata?}`: then each field's text
 * is the one `storedRow` would make from the parsed task, and is used as it is. A large dataset is
 * read twice (validated, then stored), and parsing a line costs more than storing its row; most such
 * files are written by a program, in this form. Anything else (spaces, an escape JSON.stringify would
 * not write, a non-integer number, a key that is an integer or repeats, another field) gives null, and
 * the caller parses the line. Only for a line validated before: nothing here checks what a task must be.
 *
 * @example
 * canonicalRow('{"id":"t1","input":{"n":1},"expected":"7"}'); // ['t1', '{"n":1}', '"7"', null]
 * canonicalRow('{"id": "t1", "input": {"n": 1}}');            // null (spaces: not as JSON.stringify writes it)
 */
export function canonicalRow(line: string): StoredTaskRow | null {
  text = line;
  at = 0;
  if (line.charCodeAt(0) !== OPEN_BRACE) return null;
  at = 1;
  let id: string | null = null;
  let input: string | null = null;
  let expected: string | null = null;
  let metadata: string | null = null;
  if (line.charCodeAt(at) === CLOSE_BRACE) return null;
  for (;;) {
    const keyStart = at;
    if (!string()) return null;
    const field = FIELDS.indexOf(text.slice(keyStart, at));
    if (line.charCodeAt(at++) !== COLON) return null;
    const start = at;
    const first = line.charCodeAt(at);
    if (!value(0)) return null;
    const span = line.slice(start, at);
    if (field === ID) {
      if (id !== null) return null;
      // A string id without escapes is its own text; an integer is what String() gives of it.
      if (first === QUOTE) {
        id = plainString(span) ?? null;
        if (id === null) return null;
      } else if (first === MINUS || (first >= DIGIT_0 && first <= DIGIT_9)) id = span;
      else return null;
    } else if (field === INPUT) {
      if (input !== null || first !== OPEN_BRACE) return null;
      input = span;
    } else if (field === EXPECTED) {
      if (expected !== null) return null;
      expected = span;
    } else if (field === METADATA) {
      if (metadata !== null || first !== OPEN_BRACE) return null;
      metadata = span;
    } else return null;
    const next = line.charCodeAt(at++);
    if (next === CLOSE_BRACE) break;
    if (next !== COMMA) return null;
  }
  if (at !== line.length || id === null || input === null) return null;
  return [id, input, expected, metadata];
}

/** The fields a stored row is made of, as their keys are written. */
const FIELDS = ['"id"', '"input"', '"expected"', '"metadata"'];
const ID = 0;
const INPUT = 1;
const EXPECTED = 2;
const METADATA = 3;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
/** Integers of at most this many digits are exact doubles, written back digit for digit. */
const MAX_DIGITS = 15;

/** The line being read and the position in it: a scanner's state, kept out of every call's arguments. */
let text = '';
let at = 0;

/** A value as JSON.stringify writes it, from `at`; leaves `at` after it. */
function value(depth: number): boolean {
  const c = text.charCodeAt(at);
  if (c === QUOTE) return string();
  if (c === OPEN_BRACE) return object(depth + 1);
  if (c === OPEN_BRACKET) return array(depth + 1);
  if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) return integer();
  return literal('true') || literal('false') || literal('null');
}

/**
 * A string JSON.stringify would write: only its short escapes (a \u escape, which it writes only for
 * control characters and lone surrogates, gives up, as does \/, which it never writes), and no lone
 * surrogate (which it would escape).
 */
function string(): boolean {
  if (text.charCodeAt(at) !== QUOTE) return false;
  for (let i = at + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      at = i + 1;
      return true;
    }
    if (c === BACKSLASH) {
      const e = text.charCodeAt(++i);
      // " \ b f n r t
      if (e !== QUOTE && e !== BACKSLASH && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return false;
    } else if (c < 0x20) return false;
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is written as an escape; a pair as it is.
      const low = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return false;
      i++;
    }
  }
  return false;
}

/** An integer written as String() writes it: no leading zero, no -0, no fraction or exponent, exact. */
function integer(): boolean {
  let i = at;
  if (text.charCodeAt(i) === MINUS) i++;
  const digits = i;
  while (i < text.length && text.charCodeAt(i) >= DIGIT_0 && text.charCodeAt(i) <= DIGIT_9) i++;
  const n = i - digits;
  if (n === 0 || n > MAX_DIGITS) return false;
  if (text.charCodeAt(digits) === DIGIT_0 && (n > 1 || digits > at)) return false;
  const c = text.charCodeAt(i);
  if (c === 0x2e || c === 0x65 || c === 0x45) return false;
  at = i;
  return true;
}

function literal(word: string): boolean {
  if (!text.startsWith(word, at)) return false;
  at += word.length;
  return true;
}

function array(depth: number): boolean {
  if (depth > MAX_NESTING) return false;
  at++;
  if (text.charCodeAt(at) === CLOSE_BRACKET) {
    at++;
    return true;
  }
  for (;;) {
    if (!value(depth)) return false;
    const c = text.charCodeAt(at++);
    if (c === CLOSE_BRACKET) return true;
    if (c !== COMMA) return false;
  }
}

/**
 * An object whose text JSON.stringify(JSON.parse(text)) gives back: no key repeats (parsing keeps the
 * last) and none is an integer (JavaScript orders those first).
 */
function object(depth: number): boolean {
  if (depth > MAX_NESTING) return false;
  at++;
  if (text.charCodeAt(at) === CLOSE_BRACE) {
    at++;
    return true;
  }
  // Where each key's text starts and ends, compared in place: no string is made for a key.
  let keys: number[] | null = null;
  for (;;) {
    const keyStart = at;
    if (!string()) return false;
    const first = text.charCodeAt(keyStart + 1);
    if (first >= DIGIT_0 && first <= DIGIT_9) return false;
    if (keys === null) keys = [keyStart, at];
    else {
      for (let k = 0; k < keys.length; k += 2) if (sameText(keys[k]!, keys[k + 1]!, keyStart, at)) return false;
      keys.push(keyStart, at);
    }
    if (text.charCodeAt(at++) !== COLON) return false;
    if (!value(depth)) return false;
    const c = text.charCodeAt(at++);
    if (c === CLOSE_BRACE) return true;
    if (c !== COMMA) return false;
  }
}

/** Whether text[a, aEnd) and text[b, bEnd) are the same characters. */
function sameText(a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let i = 0; a + i < aEnd; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}
