import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** One line of a JSON Lines file: its value, or why it is not JSON. */
export interface JsonLine {
  /** 1-based line number in the file. */
  line: number;
  value?: unknown;
  error?: string;
}

const CHUNK = 1 << 20;

/**
 * The lines of a JSON Lines file, parsed one at a time while the file is read a megabyte at a time:
 * memory stays flat however long the file is. Blank lines are skipped.
 *
 * @example
 * for (const { line, value, error } of jsonLines('/abs/tasks.jsonl')) ...
 */
export function* jsonLines(file: string): Generator<JsonLine> {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let line = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      const text = rest + (n > 0 ? decoder.write(buffer.subarray(0, n)) : decoder.end());
      const lines = text.split('\n');
      rest = n > 0 ? (lines.pop() ?? '') : '';
      for (const raw of lines) {
        line++;
        if (raw.trim() === '') continue;
        try {
          yield { line, value: JSON.parse(raw) as unknown };
        } catch (e) {
          yield { line, error: `invalid JSON: ${(e as Error).message}` };
        }
      }
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}
