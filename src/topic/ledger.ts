import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `output.txt` of a topic folder: one unique item per line, appended as found. Durable means: an
 * item is written and fsync'ed before it is reported anywhere else (the store's event, the trial's
 * score, the dashboard), so a crash, Ctrl-C or kill -9 of the master, or a power loss after the
 * fsync, never loses an item that was reported as found. fsyncs are grouped (group commit): `append`
 * writes at once and resolves after the next fsync that covers the write, which runs off the event
 * loop; appends made while one fsync runs share the next one. A line torn by a crash in the middle of
 * a write (no final newline) was never reported: opening the ledger drops it, and resume finds that
 * item again.
 *
 * @example
 * const ledger = openLedger('output/paris-attractions');
 * ledger.items;                       // what earlier sessions found, in order
 * await ledger.append(['Louvre']);    // written and fsync'ed when this resolves
 * ledger.close();
 */
export interface Ledger {
  readonly file: string;
  /** The items already in the file when it was opened. */
  readonly items: readonly string[];
  /** Writes now (in call order); resolves once an fsync covering the write is done. */
  append(items: readonly string[]): Promise<void>;
  /** Appends and fsyncs before returning (no other append may be waiting). */
  appendSync(items: readonly string[]): void;
  /** fsyncs what was written, then closes the file. */
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
  const write = (lines: readonly string[]) => {
    if (!open) throw new Error(`${file}: the ledger is closed`);
    const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    // 'a+' appends at the end whatever the position; a short write continues where it stopped.
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  };
  // Group commit: one fsync in flight; writes made meanwhile wait for the next one, which they share.
  let inFlight: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const sync = (): Promise<void> => {
    if (!inFlight) {
      inFlight = new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve()))).finally(() => {
        inFlight = null;
      });
      return inFlight;
    }
    next ??= inFlight.then(() => {
      next = null;
      return sync();
    });
    return next;
  };
  return {
    file,
    items,
    append(lines) {
      if (lines.length === 0) return Promise.resolve();
      write(lines);
      return sync();
    },
    appendSync(lines) {
      if (lines.length === 0) return;
      write(lines);
      fsyncSync(fd);
    },
    close() {
      if (!open) return;
      open = false;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
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
