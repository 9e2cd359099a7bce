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
 * memory stays flat however long the file is. Lines are cut at newline bytes in the buffer (a newline
 * never falls inside a UTF-8 character) and decoded one by one, so no megabyte-long string is built.
 * Blank lines are skipped.
 *
 * @example
 * for (const { line, value, error } of jsonLines('/abs/tasks.jsonl')) ...
 */
export function* jsonLines(file: string): Generator<JsonLine> {
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
        const parsed = parse(buffer.toString('utf8', start, nl), line);
        if (parsed) yield parsed;
        start = nl + 1;
      }
      if (n === 0) {
        if (start < end) {
          const parsed = parse(buffer.toString('utf8', start, end), line + 1);
          if (parsed) yield parsed;
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

function parse(text: string, line: number): JsonLine | null {
  if (text.trim() === '') return null;
  try {
    return { line, value: JSON.parse(text) as unknown };
  } catch (e) {
    // Say where, never what: the line may hold anything.
    return { line, error: describeJsonError(e, text).replace(/ at line 1, column/, ' at column') };
  }
}
