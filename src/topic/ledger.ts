import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `output.txt` of a topic folder: one unique item per line, appended as found. Durable means: an
 * item is written and fsync'ed (`fsyncSync` on the file) before it is reported anywhere else (the
 * store's event, the dashboard, the console), so a crash, Ctrl-C or kill -9 of the master, or a power
 * loss after fsync, never loses an item that was reported as found. A line torn by a crash in the
 * middle of a write (no final newline) was never reported: opening the ledger drops it, and resume
 * finds that item again.
 *
 * @example
 * const ledger = openLedger('output/paris-attractions');
 * ledger.items;                  // what earlier sessions found, in order
 * ledger.append(['Louvre']);     // written and fsync'ed when this returns
 * ledger.close();
 */
export interface Ledger {
  readonly file: string;
  /** The items already in the file when it was opened. */
  readonly items: readonly string[];
  append(items: readonly string[]): void;
  close(): void;
}

export function openLedger(dir: string): Ledger {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'output.txt');
  const fd = openSync(file, 'a+');
  let items: string[];
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(size);
    for (let at = 0; at < size; ) {
      const n = readSync(fd, buffer, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    const lastNewline = buffer.lastIndexOf(0x0a);
    const whole = lastNewline + 1;
    if (whole < size) {
      // A torn last line: never fsync'ed as a whole, never reported.
      ftruncateSync(fd, whole);
      fsyncSync(fd);
    }
    items = buffer.subarray(0, whole).toString('utf8').split('\n');
    items.pop();
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  return {
    file,
    items,
    append(lines) {
      if (!open) throw new Error(`${file}: the ledger is closed`);
      if (lines.length === 0) return;
      const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
      // 'a+' appends at the end whatever the position; a short write continues where it stopped.
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/**
 * Checks, before anything starts, that a topic folder can be created and written: the error names
 * the folder and the reason.
 *
 * @example
 * checkWritable('output/paris-attractions'); // null, or 'cannot write output/...: EACCES ...'
 */
export function checkWritable(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.metaorch-write-check-${process.pid}`);
    const fd = openSync(probe, 'w');
    closeSync(fd);
    rmSync(probe, { force: true });
    return null;
  } catch (error) {
    return `cannot write the topic folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
}
