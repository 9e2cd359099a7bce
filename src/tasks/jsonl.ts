import { closeSync, openSync, readSync } from 'node:fs';
import { describeJsonError } from '../model/files.js';

/** One line of a JSON Lines file: its value, or why it is not JSON. */
export interface JsonLine {
  /** 1-based line number in the file. */
  line: number;
  value?: unknown;
  error?: string;
}

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

/**
 * The lines of a JSON Lines file, parsed one at a time while the file is read a megabyte at a time:
 * memory stays flat however long the file is. Blank lines are skipped.
 *
 * @example
 * for (const { line, value, error } of jsonLines('/abs/tasks.jsonl')) ...
 */
export function* jsonLines(file: string): Generator<JsonLine> {
  for (const { line, text } of lineTexts(file)) yield parse(text, line);
}

/**
 * The non-blank lines of a file as text, with their 1-based numbers, read a megabyte at a time. Lines
 * are cut at newline bytes in the buffer (a newline never falls inside a UTF-8 character) and decoded
 * one by one, so no megabyte-long string is built.
 *
 * @example
 * for (const { line, text } of lineTexts('/abs/tasks.jsonl')) ...
 */
export function* lineTexts(file: string): Generator<{ line: number; text: string }> {
  const fd = openSync(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(CHUNK);
    let kept = 0;
    let line = 0;
    for (;;) {
      if (kept === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, kept);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, kept, buffer.length - kept, null);
      const end = kept + n;
      let start = 0;
      for (let nl = buffer.indexOf(NEWLINE, start); nl !== -1 && nl < end; nl = buffer.indexOf(NEWLINE, start)) {
        line++;
        const text = buffer.toString('utf8', start, nl);
        if (text.trim() !== '') yield { line, text };
        start = nl + 1;
      }
      if (n === 0) {
        if (start < end) {
          const text = buffer.toString('utf8', start, end);
          if (text.trim() !== '') yield { line: line + 1, text };
        }
        return;
      }
      kept = end - start;
      buffer.copy(buffer, 0, start, end);
    }
  } finally {
    closeSync(fd);
  }
}

function parse(text: string, line: number): JsonLine {
  try {
    return { line, value: JSON.parse(text) as unknown };
  } catch (e) {
    // Say where, never what: the line may hold anything.
    return { line, error: describeJsonError(e, text).replace(/ at line 1, column/, ' at column') };
  }
}
